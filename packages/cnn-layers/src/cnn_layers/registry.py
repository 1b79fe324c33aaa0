"""The registries of cnn-layers: one per kind of layer a config can name."""

from cnn_registry import Registry

CONV_LAYERS = Registry("conv_layers", scope="cnn_layers")
NORM_LAYERS = Registry("norm_layers", scope="cnn_layers")
ACTIVATION_LAYERS = Registry("activation_layers", scope="cnn_layers")
UPSAMPLE_LAYERS = Registry("upsample_layers", scope="cnn_layers")
PADDING_LAYERS = Registry("padding_layers", scope="cnn_layers")
PLUGIN_LAYERS = Registry("plugin_layers", scope="cnn_layers")
DROPOUT_LAYERS = Registry("dropout_layers", scope="cnn_layers")

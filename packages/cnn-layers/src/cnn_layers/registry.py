"""The registries of cnn-layers: one per kind of layer a config can name.

Their ``locations`` is the package itself, whose ``__init__`` imports every
module in it: a module that registers a new layer type is found without an
import line or an ``__all__`` entry, so adding a layer takes the module and
its test.
"""

from cnn_registry import Registry

CONV_LAYERS = Registry("conv_layers", scope="cnn_layers", locations=["cnn_layers"])
NORM_LAYERS = Registry("norm_layers", scope="cnn_layers", locations=["cnn_layers"])
ACTIVATION_LAYERS = Registry("activation_layers", scope="cnn_layers", locations=["cnn_layers"])
UPSAMPLE_LAYERS = Registry("upsample_layers", scope="cnn_layers", locations=["cnn_layers"])
PADDING_LAYERS = Registry("padding_layers", scope="cnn_layers", locations=["cnn_layers"])
PLUGIN_LAYERS = Registry("plugin_layers", scope="cnn_layers", locations=["cnn_layers"])
DROPOUT_LAYERS = Registry("dropout_layers", scope="cnn_layers", locations=["cnn_layers"])

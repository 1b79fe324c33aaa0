"""The registries of complete models and their parts."""

from cnn_registry import Registry

NECKS = Registry("necks", scope="cnn_models")
HEADS = Registry("heads", scope="cnn_models")
LOSSES = Registry("losses", scope="cnn_models")
MODELS = Registry("models", scope="cnn_models")
BATCH_AUGMENTS = Registry("batch augments", scope="cnn_models")

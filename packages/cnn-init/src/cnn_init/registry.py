"""The registry of weight initializers that ``init_cfg`` names."""

from cnn_registry import Registry

INITIALIZERS = Registry("initializers", scope="cnn_init")

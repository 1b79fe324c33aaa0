"""The registry of backbones: networks that return a tuple of feature maps."""

from cnn_registry import Registry

BACKBONES = Registry("backbones", scope="cnn_backbones")

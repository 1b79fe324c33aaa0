"""The registry of checkpoint loaders, one per URL scheme (``http``, ``torchvision``, ...)."""

from cnn_registry import Registry

CHECKPOINT_LOADERS = Registry("checkpoint_loaders", scope="cnn_zoo", locations=["cnn_zoo.schemes"])

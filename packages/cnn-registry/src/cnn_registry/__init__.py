"""Build any object from ``dict(type=..., ...)``.

Pure Python with no dependencies, so a framework can depend on it alone.

>>> from cnn_registry import Registry
>>> LOSSES = Registry('losses', scope='demo')
>>> @LOSSES.register_module()
... class L1:
...     def __init__(self, weight=1.0):
...         self.weight = weight
>>> LOSSES.build(dict(type='L1', weight=0.5)).weight
0.5
"""

from .build import build_from_cfg
from .errors import (
    AlreadyRegisteredError,
    BuildError,
    BuildKeyError,
    MissingTypeError,
    UnknownTypeError,
)
from .registry import Registry

__version__ = "0.1.0"

__all__ = [
    "AlreadyRegisteredError",
    "BuildError",
    "BuildKeyError",
    "MissingTypeError",
    "Registry",
    "UnknownTypeError",
    "__version__",
    "build_from_cfg",
]

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

from .build import build_from_cfg, build_model_from_cfg
from .errors import (
    AlreadyRegisteredError,
    BuildError,
    BuildKeyError,
    MissingTypeError,
    PlainMessageKeyError,
    UnknownTypeError,
)
from .lazy_exports import lazy_exports
from .registry import Registry
from .scope import DefaultScope, default_scope

__version__ = "0.1.0"

# Configs and overrides load on first use, keeping `import cnn_registry` light.
_LAZY = {
    "ConfigError": "config",
    "load_config": "config",
    "merge_configs": "config",
    "ConfigDict": "config_dict",
    "Config": "config_facade",
    "dump_config": "config_dump",
    "format_config": "config_dump",
    "OverrideError": "overrides",
    "apply_overrides": "overrides",
    "parse_override": "overrides",
    "parse_value": "overrides",
    "OverrideAction": "override_action",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

__all__ = [
    "AlreadyRegisteredError",
    "BuildError",
    "BuildKeyError",
    "Config",
    "ConfigDict",
    "ConfigError",
    "DefaultScope",
    "MissingTypeError",
    "OverrideAction",
    "OverrideError",
    "PlainMessageKeyError",
    "Registry",
    "UnknownTypeError",
    "__version__",
    "apply_overrides",
    "build_from_cfg",
    "build_model_from_cfg",
    "default_scope",
    "dump_config",
    "format_config",
    "load_config",
    "merge_configs",
    "parse_override",
    "parse_value",
]

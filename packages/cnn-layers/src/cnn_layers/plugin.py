"""``build_plugin_layer``: extra blocks (attention, context...) inserted into a backbone."""

from __future__ import annotations

import inspect
import re
from collections.abc import Mapping
from typing import Any

from torch import nn

from .build_errors import check_cfg, check_postfix, layer_class, naming_builder
from .registry import PLUGIN_LAYERS
from .size_arguments import check_built_layer


def camel_to_snake(word: str) -> str:
    """``'ContextBlock'`` -> ``'context_block'``; runs of capitals stay together.

    >>> camel_to_snake('ContextBlock'), camel_to_snake('NonLocal2d'), camel_to_snake('SEBlock')
    ('context_block', 'non_local2d', 'se_block')
    """
    word = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", word)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", word).lower()


def infer_plugin_abbr(plugin_cls: type) -> str:
    """A plugin's name in a model: its ``_abbr_``, else its class name in snake case.

    >>> class MyAttention(nn.Module):
    ...     pass
    >>> infer_plugin_abbr(MyAttention)
    'my_attention'
    """
    if not inspect.isclass(plugin_cls):
        raise TypeError(f"plugin_cls must be a class, got {type(plugin_cls).__name__}: {plugin_cls!r}")
    abbr = getattr(plugin_cls, "_abbr_", None)
    return str(abbr) if abbr is not None else camel_to_snake(plugin_cls.__name__)


def build_plugin_layer(cfg: Mapping[str, Any], postfix: int | str = "", **kwargs: Any) -> tuple[str, nn.Module]:
    """Build a plugin layer and name it.

    The plugins of cnn-bundles (``NonLocal2d``, ``ContextBlock``,
    ``GeneralizedAttention``) register here through an entry point, so they
    are found without importing cnn-bundles.

    Args:
        cfg: ``dict(type=<name in PLUGIN_LAYERS>, **options)``.
        postfix: appended to the abbreviation to form the name.
        **kwargs: passed to the constructor beside the cfg's options (e.g. ``in_channels``).

    Returns:
        ``(name, layer)``.

    >>> class Gate(nn.Module):
    ...     _abbr_ = 'gate'
    ...     def __init__(self, in_channels):
    ...         super().__init__()
    ...         self.conv = nn.Conv2d(in_channels, 1, 1)
    >>> build_plugin_layer(dict(type=Gate), postfix=2, in_channels=4)[0]
    'gate2'
    """
    check_cfg("build_plugin_layer", cfg)
    check_postfix("build_plugin_layer", postfix)
    plugin_cls = layer_class("build_plugin_layer", PLUGIN_LAYERS, cfg)
    check_built_layer("build_plugin_layer", plugin_cls, cfg, (), kwargs)
    with naming_builder("build_plugin_layer", PLUGIN_LAYERS):
        layer = PLUGIN_LAYERS.build(cfg, **kwargs)
    abbr = infer_plugin_abbr(plugin_cls) if inspect.isclass(plugin_cls) else camel_to_snake(type(layer).__name__)
    return abbr + str(postfix), layer

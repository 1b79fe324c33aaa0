"""``build_padding_layer`` and the 2-D padding modes it knows by name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import nn

from .build_errors import check_cfg, naming_builder
from .registry import PADDING_LAYERS

PADDING_LAYERS.register_module(name="zero", module=nn.ZeroPad2d)
PADDING_LAYERS.register_module(name="reflect", module=nn.ReflectionPad2d)
PADDING_LAYERS.register_module(name="replicate", module=nn.ReplicationPad2d)


def build_padding_layer(cfg: Mapping[str, Any], *args: Any, **kwargs: Any) -> nn.Module:
    """Build a padding layer from ``cfg``.

    Args:
        cfg: ``dict(type='zero' | 'reflect' | 'replicate' | <registered name>, **options)``.
        *args: passed to the constructor, usually ``padding``.
        **kwargs: passed to the constructor beside the cfg's options.

    >>> build_padding_layer(dict(type='reflect'), 1)
    ReflectionPad2d((1, 1, 1, 1))
    """
    check_cfg("build_padding_layer", cfg)
    with naming_builder("build_padding_layer", PADDING_LAYERS):
        return PADDING_LAYERS.build(cfg, *args, **kwargs)

"""``build_conv_layer`` and the plain torch convolutions it knows by name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import nn

from .build_errors import check_cfg, layer_class, naming_builder
from .registry import CONV_LAYERS
from .size_arguments import check_built_layer

CONV_LAYERS.register_module(name="Conv1d", module=nn.Conv1d)
CONV_LAYERS.register_module(name=["Conv2d", "Conv"], module=nn.Conv2d)
CONV_LAYERS.register_module(name="Conv3d", module=nn.Conv3d)
CONV_LAYERS.register_module(name=["deconv", "ConvTranspose2d"], module=nn.ConvTranspose2d)
CONV_LAYERS.register_module(name=["deconv3d", "ConvTranspose3d"], module=nn.ConvTranspose3d)


def build_conv_layer(cfg: Mapping[str, Any] | None, *args: Any, **kwargs: Any) -> nn.Module:
    """Build a convolution from ``cfg``; ``None`` means ``dict(type='Conv2d')``.

    Args:
        cfg: ``dict(type=<name in CONV_LAYERS>, **options)`` or ``None``.
        *args: passed to the layer's constructor (``in_channels, out_channels, kernel_size``...).
        **kwargs: passed to the layer's constructor beside the cfg's options.

    Returns:
        The convolution module.

    >>> conv = build_conv_layer(dict(type='Conv3d'), in_channels=3, out_channels=8, kernel_size=3)
    >>> type(conv).__name__, conv.weight.shape
    ('Conv3d', torch.Size([8, 3, 3, 3, 3]))
    >>> build_conv_layer(None, 3, 8, 1, bias=False)
    Conv2d(3, 8, kernel_size=(1, 1), stride=(1, 1), bias=False)
    """
    if cfg is None:
        cfg = {"type": "Conv2d"}
    check_cfg("build_conv_layer", cfg)
    check_built_layer("build_conv_layer", layer_class("build_conv_layer", CONV_LAYERS, cfg), cfg, args, kwargs)
    with naming_builder("build_conv_layer", CONV_LAYERS):
        return CONV_LAYERS.build(cfg, *args, **kwargs)

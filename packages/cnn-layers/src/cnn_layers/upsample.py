"""``build_upsample_layer`` and the upsampling types it knows by name."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import nn

from .build_errors import check_cfg, layer_class, naming_builder
from .registry import UPSAMPLE_LAYERS
from .size_arguments import check_built_layer

# 'nearest' and 'bilinear' are nn.Upsample in that mode; the builder sets the mode.
INTERPOLATION_TYPES = ("nearest", "bilinear")
UPSAMPLE_LAYERS.register_module(name=[*INTERPOLATION_TYPES, "Upsample"], module=nn.Upsample)
UPSAMPLE_LAYERS.register_module(name=["deconv", "ConvTranspose2d"], module=nn.ConvTranspose2d)
UPSAMPLE_LAYERS.register_module(name=["deconv3d", "ConvTranspose3d"], module=nn.ConvTranspose3d)


def build_upsample_layer(cfg: Mapping[str, Any], *args: Any, **kwargs: Any) -> nn.Module:
    """Build an upsampling layer from ``cfg``.

    Args:
        cfg: ``dict(type=<name in UPSAMPLE_LAYERS>, **options)``. ``'nearest'``
            and ``'bilinear'`` give ``nn.Upsample`` with that ``mode``.
        *args: passed to the constructor.
        **kwargs: passed to the constructor beside the cfg's options.

    >>> build_upsample_layer(dict(type='bilinear', scale_factor=2))
    Upsample(scale_factor=2.0, mode='bilinear')
    >>> build_upsample_layer(dict(type='deconv'), 8, 4, kernel_size=2, stride=2)
    ConvTranspose2d(8, 4, kernel_size=(2, 2), stride=(2, 2))
    """
    check_cfg("build_upsample_layer", cfg)
    layer_type = cfg["type"]
    params = dict(cfg)
    if layer_type in INTERPOLATION_TYPES:
        mode = params.setdefault("mode", layer_type)
        if mode != layer_type:
            raise ValueError(
                f"build_upsample_layer: type {layer_type!r} is nn.Upsample with mode={layer_type!r}, "
                f"but cfg also has mode={mode!r}; use dict(type='Upsample', mode={mode!r}) instead"
            )
    else:
        check_built_layer(
            "build_upsample_layer", layer_class("build_upsample_layer", UPSAMPLE_LAYERS, cfg), cfg, args, kwargs
        )
    with naming_builder("build_upsample_layer", UPSAMPLE_LAYERS):
        return UPSAMPLE_LAYERS.build(params, *args, **kwargs)

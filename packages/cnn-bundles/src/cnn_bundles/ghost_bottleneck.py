"""``GhostBottleneck``: the residual block of GhostNet, two Ghost modules around an optional stride."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from cnn_init import BaseModule
from cnn_layers import check_positive_int

from .conv_module import ConvModule
from .ghost_module import GhostModule
from .make_divisible import make_divisible
from .se_layer import SELayer


class GhostBottleneck(BaseModule):
    """The Ghost bottleneck (https://arxiv.org/abs/1911.11907), with optional squeeze-excitation.

    ``ghost1`` expands to ``mid_channels``; when ``stride > 1`` a depthwise
    conv with norm (``conv_dw``) downsamples; ``se`` gates the channels when
    ``se_ratio > 0``; the linear ``ghost2`` projects to ``out_channels``. The
    shortcut is the identity when shapes allow it (``in_channels ==
    out_channels`` and ``stride == 1``), else a depthwise conv and a 1x1 conv,
    each with norm. No activation follows the sum.

    Args:
        in_channels: channels of the input.
        mid_channels: channels after the first Ghost module.
        out_channels: channels of the output.
        dw_kernel_size: kernel of the strided depthwise convs (block and shortcut).
        stride: stride of the block.
        se_ratio: squeeze ratio of the SE layer; ``0`` or ``None`` disables it.
            As in GhostNet, its squeeze channels are ``mid_channels * se_ratio``
            rounded to a multiple of 4, its activation ReLU and its gate a hard sigmoid.
        conv_cfg: config of every conv.
        norm_cfg: config of every norm.
        act_cfg: activation of ``ghost1`` (``ghost2`` and the shortcut are linear).
        init_cfg: initialisation config.

    >>> block = GhostBottleneck(16, 48, 24, stride=2, se_ratio=0.25)
    >>> block(torch.rand(1, 16, 8, 8)).shape, block.se.conv1.conv.out_channels
    (torch.Size([1, 24, 4, 4]), 12)
    >>> type(GhostBottleneck(16, 32, 16).shortcut).__name__
    'Identity'
    """

    def __init__(
        self,
        in_channels: int,
        mid_channels: int,
        out_channels: int,
        dw_kernel_size: int = 3,
        stride: int = 1,
        se_ratio: float | None = 0.0,
        conv_cfg: Mapping[str, Any] | None = None,
        norm_cfg: Mapping[str, Any] | None = {"type": "BN"},
        act_cfg: Mapping[str, Any] | None = {"type": "ReLU"},
        init_cfg: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        check_positive_int("GhostBottleneck", "in_channels", in_channels)
        check_positive_int("GhostBottleneck", "mid_channels", mid_channels)
        check_positive_int("GhostBottleneck", "out_channels", out_channels)
        if isinstance(stride, bool) or not isinstance(stride, int) or stride < 1:
            raise ValueError(f"GhostBottleneck: stride must be a positive int, got {stride!r}")
        if se_ratio is not None and se_ratio < 0:
            raise ValueError(f"GhostBottleneck: se_ratio must be >= 0 or None, got {se_ratio!r}")
        self.stride = stride
        padding = (dw_kernel_size - 1) // 2
        self.ghost1 = GhostModule(in_channels, mid_channels, conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg)
        self.conv_dw = (
            ConvModule(
                mid_channels,
                mid_channels,
                dw_kernel_size,
                stride=stride,
                padding=padding,
                groups=mid_channels,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                act_cfg=None,
            )
            if stride > 1
            else None
        )
        self.se = (
            SELayer(
                mid_channels,
                squeeze_channels=make_divisible(mid_channels * se_ratio, 4),
                conv_cfg=conv_cfg,
                act_cfg=({"type": "ReLU"}, {"type": "HSigmoid"}),
            )
            if se_ratio
            else None
        )
        self.ghost2 = GhostModule(mid_channels, out_channels, conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=None)
        if in_channels == out_channels and stride == 1:
            self.shortcut: nn.Module = nn.Identity()
        else:
            self.shortcut = nn.Sequential(
                ConvModule(
                    in_channels,
                    in_channels,
                    dw_kernel_size,
                    stride=stride,
                    padding=padding,
                    groups=in_channels,
                    conv_cfg=conv_cfg,
                    norm_cfg=norm_cfg,
                    act_cfg=None,
                ),
                ConvModule(in_channels, out_channels, 1, conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=None),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.ghost1(x)
        if self.conv_dw is not None:
            out = self.conv_dw(out)
        if self.se is not None:
            out = self.se(out)
        result: torch.Tensor = self.ghost2(out) + self.shortcut(x)
        return result

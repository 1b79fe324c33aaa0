"""``GhostModule``: a few ordinary feature maps and cheap depthwise "ghosts" of them (GhostNet)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch

from cnn_init import BaseModule
from cnn_layers import check_positive_int

from .conv_module import ConvModule


class GhostModule(BaseModule):
    """The Ghost module of GhostNet (https://arxiv.org/abs/1911.11907).

    A primary convolution makes ``ceil(out_channels / ratio)`` maps; a cheap
    depthwise convolution derives ``ratio - 1`` more from each; the two sets
    are concatenated and cut to ``out_channels``.

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        kernel_size: kernel of the primary conv (padded to keep the size).
        ratio: how many output maps come from each primary map; at least 2.
        dw_size: kernel of the cheap depthwise conv.
        stride: stride of the primary conv.
        conv_cfg: config of both convs.
        norm_cfg: norm after both convs.
        act_cfg: activation after both convs; ``None`` makes the module linear.
        init_cfg: initialisation config.

    >>> ghost = GhostModule(16, 30, ratio=3)
    >>> ghost.primary_conv.conv.out_channels, ghost.cheap_operation.conv.out_channels
    (10, 20)
    >>> ghost(torch.rand(1, 16, 8, 8)).shape
    torch.Size([1, 30, 8, 8])
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int = 1,
        ratio: int = 2,
        dw_size: int = 3,
        stride: int = 1,
        conv_cfg: Mapping[str, Any] | None = None,
        norm_cfg: Mapping[str, Any] | None = {"type": "BN"},
        act_cfg: Mapping[str, Any] | None = {"type": "ReLU"},
        init_cfg: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        check_positive_int("GhostModule", "in_channels", in_channels)
        check_positive_int("GhostModule", "out_channels", out_channels)
        if isinstance(ratio, bool) or not isinstance(ratio, int) or ratio < 2:
            raise ValueError(f"GhostModule: ratio must be an int of at least 2, got {ratio!r}")
        self.out_channels = out_channels
        primary_channels = math.ceil(out_channels / ratio)
        cheap_channels = primary_channels * (ratio - 1)
        self.primary_conv = ConvModule(
            in_channels,
            primary_channels,
            kernel_size,
            stride=stride,
            padding=kernel_size // 2,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
        )
        self.cheap_operation = ConvModule(
            primary_channels,
            cheap_channels,
            dw_size,
            padding=dw_size // 2,
            groups=primary_channels,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg,
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        primary = self.primary_conv(x)
        ghosts = self.cheap_operation(primary)
        return torch.cat([primary, ghosts], dim=1)[:, : self.out_channels]

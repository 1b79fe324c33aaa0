"""``ContextBlock``: the global context block of GCNet (https://arxiv.org/abs/1904.11492)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from cnn_init import BaseModule, constant_init, kaiming_init
from cnn_layers import check_positive_int
from cnn_layers.registry import PLUGIN_LAYERS

POOLING_TYPES = ("att", "avg")
FUSION_TYPES = ("channel_add", "channel_mul")


@PLUGIN_LAYERS.register_module()
class ContextBlock(BaseModule):
    """Pool one global context vector per image and fuse it back into every position.

    The context is an attention-weighted sum over positions (``'att'``: a 1x1
    conv scores each position, softmax over positions) or the mean
    (``'avg'``). A bottleneck transform (1x1 conv, LayerNorm, ReLU, 1x1 conv)
    turns it into a per-channel term that is added (``'channel_add'``) and/or
    multiplies through a sigmoid (``'channel_mul'``). The transforms' last conv
    starts at zero, so a new block with ``'channel_add'`` is the identity.

    Args:
        in_channels: channels of the input and output.
        ratio: bottleneck width as a fraction of ``in_channels``.
        pooling_type: ``'att'`` or ``'avg'``.
        fusion_types: a non-empty subset of ``('channel_add', 'channel_mul')``.
        init_cfg: initialisation config applied by ``init_weights`` instead of the default.

    >>> block = ContextBlock(16, ratio=1 / 4, fusion_types=('channel_add', 'channel_mul'))
    >>> block.channel_add_conv[0].out_channels, block(torch.rand(2, 16, 5, 5)).shape
    (4, torch.Size([2, 16, 5, 5]))
    """

    _abbr_ = "context_block"

    def __init__(
        self,
        in_channels: int,
        ratio: float,
        pooling_type: str = "att",
        fusion_types: Sequence[str] = ("channel_add",),
        init_cfg: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        check_positive_int("ContextBlock", "in_channels", in_channels)
        if pooling_type not in POOLING_TYPES:
            raise ValueError(f"ContextBlock: pooling_type must be one of {POOLING_TYPES}, got {pooling_type!r}")
        if (
            isinstance(fusion_types, str)
            or not isinstance(fusion_types, Sequence)
            or not fusion_types
            or not set(fusion_types) <= set(FUSION_TYPES)
        ):
            raise ValueError(
                f"ContextBlock: fusion_types must be a non-empty list or tuple drawn from {FUSION_TYPES}, "
                f"got {fusion_types!r}"
            )
        self.in_channels = in_channels
        self.ratio = ratio
        self.planes = int(in_channels * ratio)
        if self.planes < 1:
            raise ValueError(f"ContextBlock: in_channels * ratio must be at least 1, got {in_channels!r} * {ratio!r}")
        self.pooling_type = pooling_type
        self.fusion_types = tuple(fusion_types)
        if pooling_type == "att":
            self.conv_mask = nn.Conv2d(in_channels, 1, kernel_size=1)
            self.softmax = nn.Softmax(dim=2)
        else:
            self.avg_pool = nn.AdaptiveAvgPool2d(1)
        self.channel_add_conv = self.transform() if "channel_add" in fusion_types else None
        self.channel_mul_conv = self.transform() if "channel_mul" in fusion_types else None
        self.default_init()

    def transform(self) -> nn.Sequential:
        """The bottleneck of a fusion branch; indices 0-3 match GCNet checkpoints."""
        return nn.Sequential(
            nn.Conv2d(self.in_channels, self.planes, kernel_size=1),
            nn.LayerNorm([self.planes, 1, 1]),
            nn.ReLU(inplace=True),
            nn.Conv2d(self.planes, self.in_channels, kernel_size=1),
        )

    def default_init(self) -> None:
        """Kaiming (``fan_in``) for the attention conv; each transform's last conv at zero."""
        if self.pooling_type == "att":
            kaiming_init(self.conv_mask, mode="fan_in")
        for branch in (self.channel_add_conv, self.channel_mul_conv):
            if branch is not None:
                constant_init(branch[-1], 0)

    def spatial_pool(self, x: torch.Tensor) -> torch.Tensor:
        """The context ``[N, C, 1, 1]``: attention-weighted or plain mean over positions."""
        if self.pooling_type == "avg":
            pooled: torch.Tensor = self.avg_pool(x)
            return pooled
        n, c = x.shape[0], x.shape[1]  # indexed, not unpacked, so torch.fx can trace it
        weights: torch.Tensor = self.softmax(self.conv_mask(x).reshape(n, 1, -1))  # [N, 1, HW]
        return torch.matmul(x.reshape(n, c, -1), weights.transpose(1, 2)).reshape(n, c, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        context = self.spatial_pool(x)
        out = x
        if self.channel_mul_conv is not None:
            out = out * torch.sigmoid(self.channel_mul_conv(context))
        if self.channel_add_conv is not None:
            out = out + self.channel_add_conv(context)
        return out

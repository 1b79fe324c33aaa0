"""``SELayer``: squeeze-and-excitation, a learned per-channel gate."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from cnn_init import BaseModule
from cnn_layers import check_positive_int

from .conv_module import ConvModule


class SELayer(BaseModule):
    """Squeeze-and-excitation (https://arxiv.org/abs/1709.01507).

    Global average pooling, a 1x1 conv down to ``squeeze_channels``, an
    activation, a 1x1 conv back to ``channels`` and a gate that scales each
    input channel.

    Args:
        channels: channels of the input and output.
        ratio: squeeze ratio; ``squeeze_channels = int(channels / ratio)`` unless given.
        squeeze_channels: channels after the squeeze, overriding ``ratio``.
        conv_cfg: config of both 1x1 convs.
        act_cfg: the activation after the squeeze and the gate, as a pair of
            configs; one config is used for both.
        init_cfg: initialisation config.

    >>> se = SELayer(16, ratio=4)
    >>> se.conv1.conv.out_channels, se(torch.rand(2, 16, 5, 5)).shape
    (4, torch.Size([2, 16, 5, 5]))
    >>> SELayer(16, squeeze_channels=8, act_cfg=(dict(type='ReLU'), dict(type='HSigmoid'))).conv2.activate
    HSigmoid(bias=3.0, divisor=6.0, min_value=0.0, max_value=1.0)
    """

    def __init__(
        self,
        channels: int,
        ratio: float = 16,
        squeeze_channels: int | None = None,
        conv_cfg: Mapping[str, Any] | None = None,
        act_cfg: Mapping[str, Any] | Sequence[Mapping[str, Any]] = ({"type": "ReLU"}, {"type": "Sigmoid"}),
        init_cfg: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        check_positive_int("SELayer", "channels", channels)
        if isinstance(act_cfg, Mapping):
            act_cfg = (act_cfg, act_cfg)
        if isinstance(act_cfg, str) or len(act_cfg) != 2 or not all(isinstance(c, Mapping) for c in act_cfg):
            raise ValueError(f"SELayer: act_cfg must be a dict or a pair of dicts, got {act_cfg!r}")
        if squeeze_channels is None:
            if not ratio > 0:
                raise ValueError(f"SELayer: ratio must be positive, got {ratio!r}")
            squeeze_channels = int(channels / ratio)
        if isinstance(squeeze_channels, bool) or not isinstance(squeeze_channels, int) or squeeze_channels <= 0:
            raise ValueError(
                f"SELayer: squeeze_channels must be a positive int, got {squeeze_channels!r} "
                f"(channels={channels!r}, ratio={ratio!r})"
            )
        self.global_avgpool = nn.AdaptiveAvgPool2d(1)
        self.conv1 = ConvModule(channels, squeeze_channels, 1, conv_cfg=conv_cfg, act_cfg=act_cfg[0])
        self.conv2 = ConvModule(squeeze_channels, channels, 1, conv_cfg=conv_cfg, act_cfg=act_cfg[1])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        gate: torch.Tensor = self.conv2(self.conv1(self.global_avgpool(x)))
        return x * gate

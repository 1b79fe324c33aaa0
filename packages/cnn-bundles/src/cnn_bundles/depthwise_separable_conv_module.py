"""``DepthwiseSeparableConvModule``: a depthwise then a pointwise ``ConvModule``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from cnn_init import BaseModule
from cnn_layers import check_positive_int

from .conv_module import ConvModule

DEFAULT = "default"


class DepthwiseSeparableConvModule(BaseModule):
    """A depthwise ``ConvModule`` (``groups=in_channels``) and a 1x1 pointwise ``ConvModule``.

    From MobileNet (https://arxiv.org/abs/1704.04861): far fewer weights and
    operations than one dense convolution of the same kernel size.

    Args:
        in_channels: channels of the input; also the depthwise conv's groups.
        out_channels: channels the pointwise conv produces.
        kernel_size: kernel size of the depthwise conv.
        stride: stride of the depthwise conv.
        padding: padding of the depthwise conv.
        dilation: dilation of the depthwise conv.
        norm_cfg: norm of both convs unless ``dw_norm_cfg``/``pw_norm_cfg`` say otherwise.
        act_cfg: activation of both convs unless ``dw_act_cfg``/``pw_act_cfg`` say otherwise.
        dw_norm_cfg: norm of the depthwise conv; ``'default'`` means ``norm_cfg``.
        dw_act_cfg: activation of the depthwise conv; ``'default'`` means ``act_cfg``.
        pw_norm_cfg: norm of the pointwise conv; ``'default'`` means ``norm_cfg``.
        pw_act_cfg: activation of the pointwise conv; ``'default'`` means ``act_cfg``.
        init_cfg: initialisation config.
        **kwargs: other ``ConvModule`` arguments, given to both convs
            (``groups`` is not allowed: the depthwise conv fixes it).

    >>> m = DepthwiseSeparableConvModule(4, 8, 3, padding=1, norm_cfg=dict(type='BN'), pw_act_cfg=None)
    >>> m(torch.rand(1, 4, 5, 5)).shape, m.depthwise_conv.conv.groups, m.pointwise_conv.with_activation
    (torch.Size([1, 8, 5, 5]), 4, False)
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        norm_cfg: Mapping[str, Any] | None = None,
        act_cfg: Mapping[str, Any] | None = {"type": "ReLU"},
        dw_norm_cfg: Mapping[str, Any] | str | None = DEFAULT,
        dw_act_cfg: Mapping[str, Any] | str | None = DEFAULT,
        pw_norm_cfg: Mapping[str, Any] | str | None = DEFAULT,
        pw_act_cfg: Mapping[str, Any] | str | None = DEFAULT,
        init_cfg: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        check_positive_int("DepthwiseSeparableConvModule", "in_channels", in_channels)
        check_positive_int("DepthwiseSeparableConvModule", "out_channels", out_channels)
        if "groups" in kwargs:
            raise TypeError(
                f"DepthwiseSeparableConvModule: groups={kwargs['groups']!r} is not accepted: "
                f"the depthwise conv always has groups=in_channels ({in_channels})"
            )
        chosen: dict[str, Any] = {}
        for name, value, shared in (
            ("dw_norm_cfg", dw_norm_cfg, norm_cfg),
            ("dw_act_cfg", dw_act_cfg, act_cfg),
            ("pw_norm_cfg", pw_norm_cfg, norm_cfg),
            ("pw_act_cfg", pw_act_cfg, act_cfg),
        ):
            if isinstance(value, str) and value != DEFAULT:
                raise ValueError(
                    f"DepthwiseSeparableConvModule: {name} must be a dict, None or 'default', got {value!r}"
                )
            chosen[name] = shared if value == DEFAULT else value
        self.depthwise_conv = ConvModule(
            in_channels,
            in_channels,
            kernel_size,
            stride=stride,
            padding=padding,
            dilation=dilation,
            groups=in_channels,
            norm_cfg=chosen["dw_norm_cfg"],
            act_cfg=chosen["dw_act_cfg"],
            **kwargs,
        )
        self.pointwise_conv = ConvModule(
            in_channels, out_channels, 1, norm_cfg=chosen["pw_norm_cfg"], act_cfg=chosen["pw_act_cfg"], **kwargs
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out: torch.Tensor = self.pointwise_conv(self.depthwise_conv(x))
        return out

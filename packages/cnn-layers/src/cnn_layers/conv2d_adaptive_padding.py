"""``Conv2dAdaptivePadding``: TensorFlow's ``padding='SAME'`` for any input size."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from .registry import CONV_LAYERS


def same_padding(size: int, kernel: int, stride: int, dilation: int) -> tuple[int, int]:
    """``(before, after)`` padding so that the output has ``ceil(size / stride)`` positions.

    TensorFlow puts the odd pixel after.

    >>> same_padding(5, 3, 2, 1), same_padding(6, 3, 2, 1), same_padding(7, 1, 1, 1)
    ((1, 1), (0, 1), (0, 0))
    """
    total = max((math.ceil(size / stride) - 1) * stride + (kernel - 1) * dilation + 1 - size, 0)
    return total // 2, total - total // 2


@CONV_LAYERS.register_module()
class Conv2dAdaptivePadding(nn.Conv2d):
    """``nn.Conv2d`` that pads its input like TensorFlow's ``'SAME'``: output size ``ceil(input / stride)``.

    Same arguments as ``nn.Conv2d`` except ``padding``, which is computed per
    input (and must be left at 0), and ``padding_mode``, which must be ``'zeros'``.

    >>> conv = Conv2dAdaptivePadding(1, 1, 3, stride=2)
    >>> conv(torch.zeros(1, 1, 7, 6)).shape
    torch.Size([1, 1, 4, 3])
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
    ):
        if padding_mode != "zeros":
            raise ValueError(
                f"Conv2dAdaptivePadding: padding_mode must be 'zeros' like TensorFlow, got {padding_mode!r}"
            )
        if padding not in (0, (0, 0)):
            raise ValueError(
                f"Conv2dAdaptivePadding: padding is computed from the input size and must be 0, got {padding!r}"
            )
        super().__init__(in_channels, out_channels, kernel_size, stride, 0, dilation, groups, bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4:
            raise ValueError(f"Conv2dAdaptivePadding: expected a 4D (N, C, H, W) input, got shape {tuple(x.shape)}")
        pad_h = same_padding(x.size(-2), self.kernel_size[0], self.stride[0], self.dilation[0])
        pad_w = same_padding(x.size(-1), self.kernel_size[1], self.stride[1], self.dilation[1])
        if any(pad_h + pad_w):
            x = F.pad(x, [pad_w[0], pad_w[1], pad_h[0], pad_h[1]])
        return F.conv2d(x, self.weight, self.bias, self.stride, 0, self.dilation, self.groups)

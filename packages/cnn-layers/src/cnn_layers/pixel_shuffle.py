"""``PixelShufflePack``: upsampling by a convolution followed by ``PixelShuffle``."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .registry import UPSAMPLE_LAYERS


@UPSAMPLE_LAYERS.register_module(name=["pixel_shuffle", "PixelShufflePack"])
class PixelShufflePack(nn.Module):
    """Upsample by ``scale_factor``: a conv to ``out_channels * scale_factor**2`` channels, then pixel shuffle.

    The convolution is named ``upsample_conv``, the key OpenMMLab checkpoints
    use, and starts Xavier-uniform with a zero bias.

    Args:
        in_channels: channels of the input.
        out_channels: channels of the output.
        scale_factor: the upsampling ratio, a positive int.
        upsample_kernel: kernel size of the convolution (padding keeps the size), an odd int.

    >>> up = PixelShufflePack(4, 2, scale_factor=2, upsample_kernel=3)
    >>> up(torch.zeros(1, 4, 5, 5)).shape
    torch.Size([1, 2, 10, 10])
    """

    def __init__(self, in_channels: int, out_channels: int, scale_factor: int, upsample_kernel: int):
        super().__init__()
        for name, value in (("scale_factor", scale_factor), ("upsample_kernel", upsample_kernel)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"PixelShufflePack: {name} must be a positive int, got {value!r}")
        if upsample_kernel % 2 == 0:
            raise ValueError(
                f"PixelShufflePack: upsample_kernel must be odd so the conv keeps the size, got {upsample_kernel}"
            )
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.scale_factor = scale_factor
        self.upsample_kernel = upsample_kernel
        self.upsample_conv = nn.Conv2d(
            in_channels, out_channels * scale_factor * scale_factor, upsample_kernel, padding=upsample_kernel // 2
        )
        nn.init.xavier_uniform_(self.upsample_conv.weight)
        if self.upsample_conv.bias is not None:
            nn.init.zeros_(self.upsample_conv.bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.pixel_shuffle(self.upsample_conv(x), self.scale_factor)

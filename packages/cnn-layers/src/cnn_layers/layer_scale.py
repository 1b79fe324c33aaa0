"""``LayerScale``: a learnable per-channel factor on a residual branch (CaiT, ConvNeXt)."""

from __future__ import annotations

import torch
from torch import nn

DATA_FORMATS = ("channels_last", "channels_first")


class LayerScale(nn.Module):
    """Multiply each channel by a learnable factor that starts at ``scale``.

    Args:
        dim: the number of channels.
        inplace: multiply the input in place.
        data_format: ``'channels_last'`` (channels on the last axis, ``(N, ..., C)``)
            or ``'channels_first'`` (``(N, C, ...)``).
        scale: the initial factor.

    >>> LayerScale(3, data_format='channels_first', scale=0.5)(torch.ones(1, 3, 2, 2)).sum().item()
    6.0
    """

    def __init__(self, dim: int, inplace: bool = False, data_format: str = "channels_last", scale: float = 1e-5):
        super().__init__()
        if data_format not in DATA_FORMATS:
            raise ValueError(f"LayerScale: data_format must be one of {DATA_FORMATS}, got {data_format!r}")
        if isinstance(dim, bool) or not isinstance(dim, int) or dim <= 0:
            raise ValueError(f"LayerScale: dim must be a positive int, got {dim!r}")
        self.inplace = inplace
        self.data_format = data_format
        self.weight = nn.Parameter(torch.full((dim,), float(scale)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        channel_axis = -1 if self.data_format == "channels_last" else 1
        if x.dim() < 2 or x.size(channel_axis) != self.weight.numel():
            raise ValueError(
                f"LayerScale: expected {self.weight.numel()} channels on axis {channel_axis} "
                f"({self.data_format}), got input of shape {tuple(x.shape)}"
            )
        weight = self.weight if channel_axis == -1 else self.weight.view(-1, *([1] * (x.dim() - 2)))
        return x.mul_(weight) if self.inplace else x * weight

    def extra_repr(self) -> str:
        return f"dim={self.weight.numel()}, data_format={self.data_format!r}, inplace={self.inplace}"

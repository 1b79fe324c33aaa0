"""``Clamp`` (alias ``Clip``): an activation that clips values to a range."""

from __future__ import annotations

import torch
from torch import nn

from .registry import ACTIVATION_LAYERS


@ACTIVATION_LAYERS.register_module(name=["Clamp", "Clip"])
class Clamp(nn.Module):
    """Clip every value into ``[min, max]``.

    Args:
        min: the lower bound.
        max: the upper bound; not below ``min``.

    >>> Clamp(min=-1.0, max=1.0)(torch.tensor([-3.0, 0.5, 2.0]))
    tensor([-1.0000,  0.5000,  1.0000])
    """

    def __init__(self, min: float = -1.0, max: float = 1.0):
        super().__init__()
        if min > max:
            raise ValueError(f"Clamp: min ({min!r}) must not exceed max ({max!r})")
        self.min = min
        self.max = max

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.clamp(x, min=self.min, max=self.max)

    def extra_repr(self) -> str:
        return f"min={self.min}, max={self.max}"

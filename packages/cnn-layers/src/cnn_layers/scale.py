"""``Scale``: a single learnable factor, as used by FCOS-style heads per pyramid level."""

from __future__ import annotations

import torch
from torch import nn


class Scale(nn.Module):
    """Multiply the input by a learnable scalar ``scale``.

    Args:
        scale: the initial value.

    >>> Scale(2.0)(torch.tensor([1.0, -3.0]))
    tensor([ 2., -6.], grad_fn=<MulBackward0>)
    """

    def __init__(self, scale: float = 1.0):
        super().__init__()
        self.scale = nn.Parameter(torch.tensor(float(scale)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale

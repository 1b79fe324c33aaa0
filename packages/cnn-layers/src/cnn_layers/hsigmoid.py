"""``HSigmoid``: the piecewise-linear sigmoid of MobileNetV3."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .registry import ACTIVATION_LAYERS


@ACTIVATION_LAYERS.register_module()
class HSigmoid(nn.Module):
    """``clamp((x + bias) / divisor, min_value, max_value)``.

    The defaults give torch's ``Hardsigmoid``, ``relu6(x + 3) / 6``.

    Args:
        bias: added to the input.
        divisor: the sum is divided by it; must not be zero.
        min_value: lower clamp.
        max_value: upper clamp.

    >>> HSigmoid()(torch.tensor([-4.0, 0.0, 1.5, 4.0]))
    tensor([0.0000, 0.5000, 0.7500, 1.0000])
    """

    def __init__(self, bias: float = 3.0, divisor: float = 6.0, min_value: float = 0.0, max_value: float = 1.0):
        super().__init__()
        if divisor == 0:
            raise ValueError(f"HSigmoid: divisor must not be zero, got {divisor!r}")
        if min_value > max_value:
            raise ValueError(f"HSigmoid: min_value ({min_value!r}) must not exceed max_value ({max_value!r})")
        self.bias = bias
        self.divisor = divisor
        self.min_value = min_value
        self.max_value = max_value

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if (self.bias, self.divisor, self.min_value, self.max_value) == (3.0, 6.0, 0.0, 1.0):
            return F.hardsigmoid(x)  # one fused kernel instead of three
        return ((x + self.bias) / self.divisor).clamp(self.min_value, self.max_value)

    def extra_repr(self) -> str:
        return f"bias={self.bias}, divisor={self.divisor}, min_value={self.min_value}, max_value={self.max_value}"

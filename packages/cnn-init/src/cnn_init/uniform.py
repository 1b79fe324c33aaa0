"""Uniform initialisation: weights drawn from U(a, b)."""

from __future__ import annotations

from typing import Any

from torch import nn

from .initializer import Initializer
from .registry import register_initializer
from .validation import check_bounds, check_module, check_number
from .weight_and_bias import init_weight_and_bias


def uniform_init(module: nn.Module, a: float = 0, b: float = 1, bias: float = 0) -> None:
    """Draw the module's weight uniformly from ``[a, b)`` and set its bias to ``bias``.

    >>> conv = nn.Conv2d(4, 4, 3)
    >>> uniform_init(conv, a=-0.1, b=0.1)
    >>> bool(conv.weight.abs().max() <= 0.1)
    True
    """
    check_module(module, "uniform_init")
    a, b = check_bounds(a, b, "uniform_init", strict=False)
    bias = check_number(bias, "bias", "uniform_init")
    init_weight_and_bias(module, lambda weight: nn.init.uniform_(weight, a, b), bias)


@register_initializer
class UniformInit(Initializer):
    """Initializer form of `uniform_init` (``dict(type='Uniform', a=-0.1, b=0.1)``).

    Args:
        a: the lower bound.
        b: the upper bound, ``>= a``.
        **kwargs: ``layer``, ``bias`` and ``bias_prob``, see `Initializer`.

    >>> UniformInit(a=-1, b=1)
    Uniform(a=-1.0, b=1.0, bias=0.0)
    """

    def __init__(self, a: float = 0, b: float = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.a, self.b = check_bounds(a, b, type(self).__name__, strict=False)

    def init_module(self, module: nn.Module) -> None:
        uniform_init(module, self.a, self.b, self.bias)

    def arguments(self) -> dict[str, Any]:
        return {"a": self.a, "b": self.b}

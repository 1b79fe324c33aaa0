"""Truncated normal initialisation: N(mean, std²) restricted to ``[a, b]``."""

from __future__ import annotations

from typing import Any

from torch import nn

from .initializer import Initializer
from .registry import register_initializer
from .validation import check_bounds, check_module, check_number
from .weight_and_bias import init_weight_and_bias


def trunc_normal_init(
    module: nn.Module, mean: float = 0, std: float = 1, a: float = -2, b: float = 2, bias: float = 0
) -> None:
    """Draw the weight from N(mean, std²) truncated to ``[a, b]``; set the bias to ``bias``.

    ``a`` and ``b`` are absolute bounds, not multiples of ``std``: vision
    transformers use ``std=0.02`` with the default ``a=-2, b=2``, which
    truncates nothing in practice.

    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> fc = nn.Linear(32, 32)
    >>> trunc_normal_init(fc, std=1, a=-0.5, b=0.5)
    >>> bool(fc.weight.abs().max() <= 0.5)
    True
    """
    check_module(module, "trunc_normal_init")
    mean = check_number(mean, "mean", "trunc_normal_init")
    std = check_number(std, "std", "trunc_normal_init", minimum=0)
    a, b = check_bounds(a, b, "trunc_normal_init", strict=True)
    bias = check_number(bias, "bias", "trunc_normal_init")
    init_weight_and_bias(module, lambda weight: nn.init.trunc_normal_(weight, mean, std, a, b), bias)


@register_initializer
class TruncNormalInit(Initializer):
    """Initializer form of `trunc_normal_init` (``dict(type='TruncNormal', std=0.02)``).

    Args:
        mean: the mean of the untruncated distribution.
        std: its standard deviation, ``>= 0``.
        a: the lower bound of the values.
        b: the upper bound, greater than ``a``.
        **kwargs: ``layer``, ``bias`` and ``bias_prob``, see `Initializer`.

    >>> TruncNormalInit(std=0.02, layer='Linear')
    TruncNormal(mean=0.0, std=0.02, a=-2.0, b=2.0, bias=0.0, layer='Linear')
    """

    def __init__(self, mean: float = 0, std: float = 1, a: float = -2, b: float = 2, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        func = type(self).__name__
        self.mean = check_number(mean, "mean", func)
        self.std = check_number(std, "std", func, minimum=0)
        self.a, self.b = check_bounds(a, b, func, strict=True)

    def init_module(self, module: nn.Module) -> None:
        trunc_normal_init(module, self.mean, self.std, self.a, self.b, self.bias)

    def arguments(self) -> dict[str, Any]:
        return {"mean": self.mean, "std": self.std, "a": self.a, "b": self.b}

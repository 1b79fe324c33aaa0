"""Constant initialisation: every weight element set to one value."""

from __future__ import annotations

from typing import Any

from torch import nn

from .initializer import Initializer
from .registry import register_initializer
from .validation import check_module, check_number
from .weight_and_bias import init_weight_and_bias


def constant_init(module: nn.Module, val: float, bias: float = 0) -> None:
    """Set the module's weight to ``val`` and its bias to ``bias``.

    The usual start for normalisation layers is ``val=1, bias=0``.

    >>> bn = nn.BatchNorm2d(2)
    >>> constant_init(bn, 0.5, bias=0.1)
    >>> bn.weight.tolist(), [round(b, 3) for b in bn.bias.tolist()]
    ([0.5, 0.5], [0.1, 0.1])
    """
    check_module(module, "constant_init")
    val = check_number(val, "val", "constant_init")
    bias = check_number(bias, "bias", "constant_init")
    init_weight_and_bias(module, lambda weight: nn.init.constant_(weight, val), bias)


@register_initializer
class ConstantInit(Initializer):
    """Initializer form of `constant_init` (``dict(type='Constant', val=1)``).

    Args:
        val: the value of every weight element.
        **kwargs: ``layer``, ``bias`` and ``bias_prob``, see `Initializer`.

    >>> norm = nn.GroupNorm(2, 4)
    >>> ConstantInit(val=1, bias=0, layer='GroupNorm')(norm)
    >>> norm.weight.tolist()
    [1.0, 1.0, 1.0, 1.0]
    """

    def __init__(self, val: float, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.val = check_number(val, "val", type(self).__name__)

    def init_module(self, module: nn.Module) -> None:
        constant_init(module, self.val, self.bias)

    def arguments(self) -> dict[str, Any]:
        return {"val": self.val}

"""Normal initialisation: weights drawn from N(mean, std²)."""

from __future__ import annotations

from typing import Any

from torch import nn

from .initializer import Initializer
from .registry import register_initializer
from .validation import check_module, check_number
from .weight_and_bias import init_weight_and_bias


def normal_init(module: nn.Module, mean: float = 0, std: float = 1, bias: float = 0) -> None:
    """Draw the module's weight from a normal distribution and set its bias to ``bias``.

    Classifier heads commonly use ``std=0.01``.

    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> fc = nn.Linear(64, 64)
    >>> normal_init(fc, std=0.01, bias=0)
    >>> abs(fc.weight.std().item() - 0.01) < 1e-3, fc.bias.abs().sum().item()
    (True, 0.0)
    """
    check_module(module, "normal_init")
    mean = check_number(mean, "mean", "normal_init")
    std = check_number(std, "std", "normal_init", minimum=0)
    bias = check_number(bias, "bias", "normal_init")
    init_weight_and_bias(module, lambda weight: nn.init.normal_(weight, mean, std), bias)


@register_initializer
class NormalInit(Initializer):
    """Initializer form of `normal_init` (``dict(type='Normal', std=0.01)``).

    Args:
        mean: the mean of the distribution.
        std: its standard deviation, ``>= 0``.
        **kwargs: ``layer``, ``bias`` and ``bias_prob``, see `Initializer`.

    >>> NormalInit(std=0.01, layer='Linear')
    Normal(mean=0.0, std=0.01, bias=0.0, layer='Linear')
    """

    def __init__(self, mean: float = 0, std: float = 1, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        func = type(self).__name__
        self.mean = check_number(mean, "mean", func)
        self.std = check_number(std, "std", func, minimum=0)

    def init_module(self, module: nn.Module) -> None:
        normal_init(module, self.mean, self.std, self.bias)

    def arguments(self) -> dict[str, Any]:
        return {"mean": self.mean, "std": self.std}

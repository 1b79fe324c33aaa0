"""Xavier (Glorot) initialisation: variance ``2 / (fan_in + fan_out)``."""

from __future__ import annotations

from typing import Any

from torch import nn

from .initializer import FanBasedInit
from .registry import register_initializer
from .validation import check_choice, check_module, check_number
from .weight_and_bias import init_weight_and_bias

DISTRIBUTIONS = ("normal", "uniform")


def xavier_init(module: nn.Module, gain: float = 1, bias: float = 0, distribution: str = "normal") -> None:
    """Xavier-initialise the module's weight and set its bias to ``bias``.

    The weight gets standard deviation ``gain * sqrt(2 / (fan_in + fan_out))``
    (Glorot & Bengio, 2010), from a normal or a uniform distribution.

    Args:
        module: a module whose weight has at least two dimensions, or none.
        gain: the scale factor, e.g. ``torch.nn.init.calculate_gain('relu')``.
        bias: the value of every bias element.
        distribution: ``'normal'`` or ``'uniform'``.

    >>> conv1 = nn.Conv2d(3, 3, 1)
    >>> xavier_init(conv1, distribution='uniform')
    >>> bound = (6 / (3 + 3)) ** 0.5
    >>> bool(conv1.weight.abs().max() <= bound)
    True
    """
    check_module(module, "xavier_init")
    gain = check_number(gain, "gain", "xavier_init", minimum=0)
    bias = check_number(bias, "bias", "xavier_init")
    check_choice(distribution, "distribution", "xavier_init", DISTRIBUTIONS)
    fill = nn.init.xavier_uniform_ if distribution == "uniform" else nn.init.xavier_normal_
    init_weight_and_bias(module, lambda weight: fill(weight, gain=gain), bias, fan_based="xavier_init")


@register_initializer
class XavierInit(FanBasedInit):
    """Initializer form of `xavier_init` (``dict(type='Xavier', distribution='uniform')``).

    Args:
        gain: the scale factor.
        distribution: ``'normal'`` or ``'uniform'``.
        **kwargs: ``layer``, ``bias`` and ``bias_prob``, see `Initializer`.

    >>> XavierInit(distribution='uniform', layer=['Conv2d', 'Linear'])
    Xavier(gain=1.0, distribution='uniform', bias=0.0, layer=['Conv2d', 'Linear'])
    """

    def __init__(self, gain: float = 1, distribution: str = "normal", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        func = type(self).__name__
        self.gain = check_number(gain, "gain", func, minimum=0)
        self.distribution = check_choice(distribution, "distribution", func, DISTRIBUTIONS)

    def init_module(self, module: nn.Module) -> None:
        xavier_init(module, self.gain, self.bias, self.distribution)

    def arguments(self) -> dict[str, Any]:
        return {"gain": self.gain, "distribution": self.distribution}

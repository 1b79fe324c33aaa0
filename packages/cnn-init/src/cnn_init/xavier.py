"""Xavier (Glorot) initialisation: variance ``2 / (fan_in + fan_out)``."""

from __future__ import annotations

from typing import Any

from torch import nn

from .fan_based import FanBasedInit
from .registry import INITIALIZERS
from .validation import check_choice, check_module, check_number
from .weight_and_bias import fill_bias, matrix_weight_of

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
    weight = matrix_weight_of(module, "xavier_init")
    if weight is not None:
        if distribution == "uniform":
            nn.init.xavier_uniform_(weight, gain=gain)
        else:
            nn.init.xavier_normal_(weight, gain=gain)
    fill_bias(module, bias)


@INITIALIZERS.register_module(name=["Xavier", "XavierInit"])
class XavierInit(FanBasedInit):
    """Initializer form of :func:`xavier_init` (``dict(type='Xavier', distribution='uniform')``).

    Args:
        gain: the scale factor.
        distribution: ``'normal'`` or ``'uniform'``.
        **kwargs: ``layer``, ``bias`` and ``bias_prob``, see :class:`~cnn_init.Initializer`.

    >>> XavierInit(distribution='uniform', layer=['Conv2d', 'Linear'])
    Xavier(gain=1.0, distribution='uniform', bias=0.0, layer=['Conv2d', 'Linear'])
    """

    name = "Xavier"

    def __init__(self, gain: float = 1, distribution: str = "normal", **kwargs: Any) -> None:
        super().__init__(**kwargs)
        func = type(self).__name__
        self.gain = check_number(gain, "gain", func, minimum=0)
        self.distribution = check_choice(distribution, "distribution", func, DISTRIBUTIONS)

    def init_module(self, module: nn.Module) -> None:
        xavier_init(module, self.gain, self.bias, self.distribution)

    def arguments(self) -> dict[str, Any]:
        return {"gain": self.gain, "distribution": self.distribution}

"""Kaiming (He) initialisation, variance ``gain² / fan``, and Caffe2's ``XavierFill``, a case of it."""

from __future__ import annotations

from typing import Any, cast

from torch import nn

from .initializer import FanBasedInit
from .registry import register_initializer
from .validation import check_choice, check_module, check_number
from .weight_and_bias import init_weight_and_bias

MODES = ("fan_in", "fan_out")
DISTRIBUTIONS = ("normal", "uniform")
#: The names ``torch.nn.init.calculate_gain`` knows.
NONLINEARITIES = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "selu",
)


def kaiming_init(
    module: nn.Module,
    a: float = 0,
    mode: str = "fan_out",
    nonlinearity: str = "relu",
    bias: float = 0,
    distribution: str = "normal",
) -> None:
    """Kaiming-initialise the module's weight and set its bias to ``bias``.

    The weight gets standard deviation ``gain / sqrt(fan)`` (He et al., 2015),
    where ``gain = calculate_gain(nonlinearity, a)`` and ``fan`` is the fan-in
    or fan-out. The default, ``fan_out`` with ReLU, is what ResNets use.

    Args:
        module: a module whose weight has at least two dimensions, or none.
        a: the negative slope of the rectifier after the layer (``leaky_relu`` only).
        mode: ``'fan_in'`` keeps the forward variance, ``'fan_out'`` the backward one.
        nonlinearity: a name ``torch.nn.init.calculate_gain`` accepts.
        bias: the value of every bias element.
        distribution: ``'normal'`` or ``'uniform'``.

    >>> import torch
    >>> _ = torch.manual_seed(0)
    >>> conv = nn.Conv2d(16, 64, 3)  # fan_out = 64 * 3 * 3
    >>> kaiming_init(conv)
    >>> expected = (2 / (64 * 9)) ** 0.5
    >>> abs(conv.weight.std().item() / expected - 1) < 0.05
    True
    """
    check_module(module, "kaiming_init")
    a = check_number(a, "a", "kaiming_init")
    check_choice(mode, "mode", "kaiming_init", MODES)
    check_choice(nonlinearity, "nonlinearity", "kaiming_init", NONLINEARITIES)
    bias = check_number(bias, "bias", "kaiming_init")
    check_choice(distribution, "distribution", "kaiming_init", DISTRIBUTIONS)
    fill = nn.init.kaiming_uniform_ if distribution == "uniform" else nn.init.kaiming_normal_
    # both names were checked above against the values torch's Literal types allow
    init_weight_and_bias(
        module,
        lambda weight: fill(weight, a=a, mode=cast(Any, mode), nonlinearity=cast(Any, nonlinearity)),
        bias,
        fan_based="kaiming_init",
    )


@register_initializer
class KaimingInit(FanBasedInit):
    """Initializer form of `kaiming_init` (``dict(type='Kaiming', layer='Conv2d')``).

    Args:
        a: the negative slope of the rectifier (``leaky_relu`` only).
        mode: ``'fan_in'`` or ``'fan_out'``.
        nonlinearity: a name ``torch.nn.init.calculate_gain`` accepts.
        distribution: ``'normal'`` or ``'uniform'``.
        **kwargs: ``layer``, ``bias`` and ``bias_prob``, see `Initializer`.

    >>> KaimingInit(layer='_ConvNd')
    Kaiming(a=0.0, mode='fan_out', nonlinearity='relu', distribution='normal', bias=0.0, layer='_ConvNd')
    """

    def __init__(
        self,
        a: float = 0,
        mode: str = "fan_out",
        nonlinearity: str = "relu",
        distribution: str = "normal",
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        func = type(self).__name__
        self.a = check_number(a, "a", func)
        self.mode = check_choice(mode, "mode", func, MODES)
        self.nonlinearity = check_choice(nonlinearity, "nonlinearity", func, NONLINEARITIES)
        self.distribution = check_choice(distribution, "distribution", func, DISTRIBUTIONS)

    def init_module(self, module: nn.Module) -> None:
        kaiming_init(module, self.a, self.mode, self.nonlinearity, self.bias, self.distribution)

    def arguments(self) -> dict[str, Any]:
        return {"a": self.a, "mode": self.mode, "nonlinearity": self.nonlinearity, "distribution": self.distribution}


def caffe2_xavier_init(module: nn.Module, bias: float = 0) -> None:
    """Initialise the weight as Caffe2's ``XavierFill`` does, and set the bias to ``bias``.

    Despite its name, ``XavierFill`` draws from ``U(-sqrt(3 / fan_in), sqrt(3 / fan_in))``:
    Kaiming uniform with ``a=1``, ``mode='fan_in'`` and ``nonlinearity='leaky_relu'``
    (whose gain is then 1). Detectron-era FPN necks use it.

    >>> conv = nn.Conv2d(8, 4, 3)
    >>> caffe2_xavier_init(conv)
    >>> bool(conv.weight.abs().max() <= (3 / (8 * 9)) ** 0.5)
    True
    """
    check_module(module, "caffe2_xavier_init")
    bias = check_number(bias, "bias", "caffe2_xavier_init")
    kaiming_init(module, a=1, mode="fan_in", nonlinearity="leaky_relu", bias=bias, distribution="uniform")


@register_initializer
class Caffe2XavierInit(FanBasedInit):
    """Initializer form of `caffe2_xavier_init` (``dict(type='Caffe2Xavier', layer='Conv2d')``).

    Args:
        **kwargs: ``layer``, ``bias`` and ``bias_prob``, see `Initializer`.

    >>> Caffe2XavierInit(layer='Conv2d')
    Caffe2Xavier(bias=0.0, layer='Conv2d')
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    def init_module(self, module: nn.Module) -> None:
        caffe2_xavier_init(module, self.bias)

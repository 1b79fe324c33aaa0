"""Caffe2's ``XavierFill``: uniform on ``±sqrt(3 / fan_in)``."""

from __future__ import annotations

from typing import Any

from torch import nn

from .fan_based import FanBasedInit
from .kaiming import kaiming_init
from .registry import INITIALIZERS
from .validation import check_module, check_number


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


@INITIALIZERS.register_module(name=["Caffe2Xavier", "Caffe2XavierInit"])
class Caffe2XavierInit(FanBasedInit):
    """Initializer form of :func:`caffe2_xavier_init` (``dict(type='Caffe2Xavier', layer='Conv2d')``).

    Args:
        **kwargs: ``layer``, ``bias`` and ``bias_prob``, see :class:`~cnn_init.Initializer`.

    >>> Caffe2XavierInit(layer='Conv2d')
    Caffe2Xavier(bias=0.0, layer='Conv2d')
    """

    name = "Caffe2Xavier"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)

    def init_module(self, module: nn.Module) -> None:
        caffe2_xavier_init(module, self.bias)

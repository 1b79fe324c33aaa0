"""Weight initialisation for PyTorch: init functions, ``init_cfg`` initializers and ``BaseModule``.

>>> from torch import nn
>>> from cnn_init import normal_init, xavier_init
>>> conv1 = nn.Conv2d(3, 3, 1)
>>> normal_init(conv1, std=0.01, bias=0)
>>> xavier_init(conv1, distribution='uniform')
"""

import importlib
import pkgutil

from .base_module import BaseModule
from .bias_prob import bias_init_with_prob
from .build_initializer import build_initializer, is_pretrained_cfg
from .constant import ConstantInit, constant_init
from .containers import ModuleDict, ModuleList, Sequential
from .init_info import InitInfo
from .initialize import initialize
from .initializer import FanBasedInit, Initializer
from .kaiming import Caffe2XavierInit, KaimingInit, caffe2_xavier_init, kaiming_init
from .normal import NormalInit, normal_init
from .registry import INITIALIZERS, register_initializer
from .trunc_normal import TruncNormalInit, trunc_normal_init
from .uniform import UniformInit, uniform_init
from .unused_init_cfg import UnusedInitCfgWarning
from .xavier import XavierInit, xavier_init

__version__ = "0.1.0"

__all__ = [
    "INITIALIZERS",
    "BaseModule",
    "Caffe2XavierInit",
    "ConstantInit",
    "FanBasedInit",
    "InitInfo",
    "Initializer",
    "KaimingInit",
    "ModuleDict",
    "ModuleList",
    "NormalInit",
    "Sequential",
    "TruncNormalInit",
    "UniformInit",
    "UnusedInitCfgWarning",
    "XavierInit",
    "__version__",
    "bias_init_with_prob",
    "build_initializer",
    "caffe2_xavier_init",
    "constant_init",
    "initialize",
    "is_pretrained_cfg",
    "kaiming_init",
    "normal_init",
    "register_initializer",
    "trunc_normal_init",
    "uniform_init",
    "xavier_init",
]


def _import_every_module() -> None:
    """Import each module of the package, so that whatever a module registers is registered."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


_import_every_module()

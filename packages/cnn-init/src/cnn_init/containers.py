"""``Sequential``, ``ModuleList`` and ``ModuleDict`` that take an ``init_cfg``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from torch import nn

from .base_module import BaseModule
from .initialize import InitCfg


class Sequential(BaseModule, nn.Sequential):
    """``nn.Sequential`` with an ``init_cfg`` (see `BaseModule`).

    >>> seq = Sequential(nn.Linear(2, 2), nn.Linear(2, 2), init_cfg=dict(type='Constant', val=1, layer='Linear'))
    >>> seq.init_weights()
    >>> seq[1].weight.tolist()
    [[1.0, 1.0], [1.0, 1.0]]
    """

    def __init__(self, *args: Any, init_cfg: InitCfg | None = None) -> None:
        BaseModule.__init__(self, init_cfg)
        nn.Sequential.__init__(self, *args)


class ModuleList(BaseModule, nn.ModuleList):
    """``nn.ModuleList`` with an ``init_cfg`` (see `BaseModule`).

    >>> layers = ModuleList([nn.Linear(2, 2)], init_cfg=dict(type='Constant', val=0, bias=1, layer='Linear'))
    >>> layers.init_weights()
    >>> layers[0].bias.tolist()
    [1.0, 1.0]
    """

    def __init__(self, modules: Iterable[nn.Module] | None = None, init_cfg: InitCfg | None = None) -> None:
        BaseModule.__init__(self, init_cfg)
        nn.ModuleList.__init__(self, modules)


class ModuleDict(BaseModule, nn.ModuleDict):
    """``nn.ModuleDict`` with an ``init_cfg`` (see `BaseModule`).

    >>> heads = ModuleDict({'cls': nn.Linear(2, 3)}, init_cfg=dict(type='Constant', val=2, layer='Linear'))
    >>> heads.init_weights()
    >>> heads['cls'].weight.sum().item()
    12.0
    """

    def __init__(self, modules: Mapping[str, nn.Module] | None = None, init_cfg: InitCfg | None = None) -> None:
        BaseModule.__init__(self, init_cfg)
        nn.ModuleDict.__init__(self, modules)

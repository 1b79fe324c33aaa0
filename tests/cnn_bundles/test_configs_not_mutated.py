"""No constructor of cnn_bundles changes the config dicts it is given."""

from __future__ import annotations

import copy
from collections.abc import Callable

import pytest
from torch import nn

import cnn_bundles as cb

CONV = dict(type="Conv2d")
NORM = dict(type="BN", requires_grad=True, momentum=0.2)
ACT = dict(type="LeakyReLU", negative_slope=0.2)
INIT = dict(type="Constant", val=0.0, layer="Conv2d")

BUILDERS: dict[str, Callable[[], nn.Module]] = {
    "ConvModule": lambda: cb.ConvModule(4, 8, 3, conv_cfg=CONV, norm_cfg=NORM, act_cfg=ACT, init_cfg=INIT),
    "DepthwiseSeparableConvModule": lambda: cb.DepthwiseSeparableConvModule(
        4, 8, 3, norm_cfg=NORM, act_cfg=ACT, dw_act_cfg=ACT, pw_norm_cfg=NORM, conv_cfg=CONV
    ),
    "SELayer": lambda: cb.SELayer(8, ratio=2, conv_cfg=CONV, act_cfg=(ACT, ACT)),
    "GhostModule": lambda: cb.GhostModule(4, 8, conv_cfg=CONV, norm_cfg=NORM, act_cfg=ACT),
    "GhostBottleneck": lambda: cb.GhostBottleneck(
        4, 8, 6, stride=2, se_ratio=0.5, conv_cfg=CONV, norm_cfg=NORM, act_cfg=ACT
    ),
    "NonLocal2d": lambda: cb.NonLocal2d(8, conv_cfg=CONV, norm_cfg=NORM, init_cfg=INIT),
    "ContextBlock": lambda: cb.ContextBlock(8, ratio=0.5, init_cfg=INIT),
    "GeneralizedAttention": lambda: cb.GeneralizedAttention(8, num_heads=2, init_cfg=INIT),
}


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_configs_are_unchanged_after_building_and_init(name: str) -> None:
    saved = copy.deepcopy((CONV, NORM, ACT, INIT))
    module = BUILDERS[name]()
    module.init_weights()
    assert (CONV, NORM, ACT, INIT) == saved

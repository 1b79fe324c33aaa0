"""cnn-init with cnn-bundles: a ConvModule's own scheme wins over its parent's init_cfg."""

import math

import pytest
import torch
from torch import nn

from cnn_bundles import ConvModule
from cnn_init import BaseModule, ModuleList


class Stage(BaseModule):
    def __init__(self, init_cfg=None, block_cfg=None):
        super().__init__(init_cfg)
        self.stem = nn.Conv2d(3, 16, 3)
        self.blocks = ModuleList(
            [ConvModule(16, 64, 3, norm_cfg=dict(type="BN")), ConvModule(64, 64, 3, init_cfg=block_cfg)]
        )


def full(t, value):
    return torch.equal(t, torch.full_like(t, value))


def test_conv_module_default_kaiming_beats_the_parent_cfg():
    torch.manual_seed(0)
    stage = Stage(
        init_cfg=[dict(type="Constant", val=0.5, layer="Conv2d"), dict(type="Constant", val=3, layer="_BatchNorm")]
    )
    stage.init_weights()
    assert full(stage.stem.weight, 0.5)
    conv = stage.blocks[0].conv
    assert not full(conv.weight, 0.5)
    fan_out = 64 * 3 * 3
    assert conv.weight.std().item() == pytest.approx(math.sqrt(2 / fan_out), rel=0.05)
    assert full(stage.blocks[0].bn.weight, 1)  # ConvModule's own norm init, not the parent's 3
    info = stage.init_info()
    assert info["stem.weight"] == "Constant(val=0.5, layer='Conv2d') in init_cfg of Stage"
    assert info["blocks.0.conv.weight"] == "ConvModule.init_weights()"
    assert info["blocks.0.bn.weight"] == "ConvModule.init_weights()"


def test_conv_module_with_init_cfg_follows_it():
    stage = Stage(block_cfg=dict(type="Constant", val=2, bias=1, layer="Conv2d"))
    stage.init_weights()
    conv = stage.blocks[1].conv
    assert full(conv.weight, 2) and full(conv.bias, 1)
    assert (
        stage.init_info()["blocks.1.conv.weight"] == "Constant(val=2, bias=1, layer='Conv2d') in init_cfg of ConvModule"
    )


def test_override_reaches_into_a_conv_module_before_its_own_scheme_runs():
    stage = Stage(init_cfg=dict(type="Constant", val=7, override=dict(name="blocks.1.conv")))
    stage.init_weights()
    # The override ran in the parent's pass; the block's default Kaiming then ran as a child.
    assert not full(stage.blocks[1].conv.weight, 7)
    assert stage.init_info()["blocks.1.conv.weight"] == "ConvModule.init_weights()"

"""mmpretrain's block and ResLayer signatures, and the channel attributes every residual block has."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from cnn_backbones import (
    BasicBlock,
    Bottle2neck,
    Bottleneck,
    MMPretrainBasicBlock,
    MMPretrainBottleneck,
    MMPretrainResLayer,
    RegNetBottleneck,
    ResLayer,
)
from cnn_backbones import mmpretrain_variants as mmpretrain


def test_mmpretrain_variants_exports_the_mmpretrain_res_layer():
    assert mmpretrain.ResLayer is MMPretrainResLayer
    assert not hasattr(mmpretrain, "Bottleneck")  # its networks are built from cnn_backbones.Bottleneck
    assert all(isinstance(m, Bottleneck) for m in mmpretrain.ResNet(depth=50).layer1)


@pytest.mark.parametrize(
    ("block", "channels"),
    [
        (BasicBlock(64, 128, downsample=nn.Conv2d(64, 128, 1)), (64, 128, 128)),
        (Bottleneck(64, 64), (64, 64, 256)),  # mmdet's: planes=64, expansion 4
        (Bottleneck(256, 128, groups=32, base_width=4), (256, 256, 512)),
        (Bottle2neck(64, 64, scales=4, base_width=26), (64, 104, 256)),
        (RegNetBottleneck(32, 64, groups=2, base_width=32, base_channels=64), (32, 64, 64)),
        (MMPretrainBottleneck(64, 64), (64, 16, 64)),  # mmpretrain's: out_channels=64
        (MMPretrainBottleneck(64, 64, expansion=2), (64, 32, 64)),
        (MMPretrainBasicBlock(64, 64), (64, 64, 64)),
    ],
    ids=lambda v: type(v).__name__ if isinstance(v, nn.Module) else "",
)
def test_blocks_state_their_channels(block, channels):
    assert (block.in_channels, block.mid_channels, block.out_channels) == channels
    assert block.conv1.in_channels == channels[0] and block.conv1.out_channels == channels[1]
    with pytest.raises(AttributeError):
        block.in_channels = 3  # read-only
    x = torch.rand(1, channels[0], 8, 8)
    if block.downsample is None and channels[0] != channels[2]:
        block.downsample = nn.Conv2d(channels[0], channels[2], 1)
    assert block.eval()(x).shape == (1, channels[2], 8, 8)


def test_channel_attributes_add_no_state_dict_keys():
    assert set(Bottleneck(64, 16).state_dict()) == set(MMPretrainBottleneck(64, 64).state_dict())
    assert not any("channels" in key for key in Bottleneck(64, 16).state_dict())


def test_mmpretrain_bottleneck_refuses_out_channels_not_divisible_by_expansion():
    with pytest.raises(ValueError, match="out_channels=64 with expansion=3: out_channels must be divisible by"):
        MMPretrainBottleneck(64, 64, expansion=3)
    with pytest.raises(TypeError, match="expansion='4'"):
        MMPretrainBottleneck(64, 64, expansion="4")
    with pytest.raises(ValueError, match="expansion=2: BasicBlock"):
        MMPretrainBasicBlock(64, 64, expansion=2)
    assert MMPretrainBasicBlock(64, 64, 1, 2).stride == 2  # mmpretrain's positional order: expansion, then stride


@pytest.mark.parametrize("block", [BasicBlock, Bottleneck, MMPretrainBasicBlock, MMPretrainBottleneck])
def test_mmpretrain_res_layer_takes_num_blocks_then_in_and_out_channels(block):
    stage = MMPretrainResLayer(block, 3, 32, 64, stride=2)
    assert len(stage) == 3
    assert [(b.in_channels, b.out_channels, b.stride) for b in stage] == [(32, 64, 2), (64, 64, 1), (64, 64, 1)]
    assert isinstance(stage[0].downsample[0], nn.Conv2d) and stage[1].downsample is None
    assert stage(torch.rand(1, 32, 8, 8)).shape == (1, 64, 4, 4)


def test_mmpretrain_res_layer_builds_the_same_stage_as_mmdet_order():
    ours = MMPretrainResLayer(Bottleneck, 2, 64, 256, stride=2, avg_down=True)
    mmdet = ResLayer(Bottleneck, 64, 64, 2, stride=2, avg_down=True, pool_at_stride_one=False)
    assert ours.state_dict().keys() == mmdet.state_dict().keys()
    assert [b.conv1.out_channels for b in ours] == [64, 64]
    unpooled = MMPretrainResLayer(Bottleneck, 1, 64, 256, avg_down=True)  # mmpretrain: no pool at stride 1
    assert isinstance(unpooled[0].downsample[0], nn.Conv2d)
    assert MMPretrainResLayer(Bottleneck, 1, 64, 128, expansion=2)[0].conv1.out_channels == 64


def test_mmpretrain_res_layer_checks_its_arguments():
    with pytest.raises(ValueError, match="out_channels=30 with expansion=4"):
        MMPretrainResLayer(Bottleneck, 2, 32, 30)
    with pytest.raises(TypeError, match="expansion='2'"):
        MMPretrainResLayer(Bottleneck, 2, 32, 64, expansion="2")
    with pytest.raises(ValueError, match="num_blocks=0"):
        MMPretrainResLayer(BasicBlock, 0, 32, 64)


@pytest.mark.parametrize(
    ("out_channels", "error", "match"),
    [("64", TypeError, "expected an int, got str"), (0, ValueError, "expected a positive int")],
)
def test_out_channels_must_be_a_positive_int(out_channels, error, match):
    with pytest.raises(error, match=f"out_channels={out_channels!r}: {match}"):
        MMPretrainBottleneck(64, out_channels)

"""Names and arguments of mmdet and mmpretrain configs: scopes, layouts, aliases and small helpers."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from cnn_backbones import (
    BACKBONES,
    MMPRETRAIN_BACKBONES,
    BasicBlock,
    Bottleneck,
    HRNet,
    ResNet,
    ResNetV1c,
    ResNetV1d,
    ResNeXt,
    SimplifiedBasicBlock,
    get_expansion,
)
from cnn_registry import default_scope

SMALL = dict(base_channels=8, stem_channels=8)


@pytest.mark.parametrize("prefix", ["", "mmdet."])
def test_plain_and_mmdet_types_have_mmdet_defaults(prefix):
    model = BACKBONES.build(dict(type=f"{prefix}ResNet", depth=18, base_channels=8))
    assert type(model) is ResNet
    assert model.out_indices == (0, 1, 2, 3) and model.norm_eval is True


def test_mmpretrain_prefix_picks_mmpretrain_defaults():
    model = BACKBONES.build(dict(type="mmpretrain.ResNet", depth=18, base_channels=8))
    assert model.out_indices == (3,) and model.norm_eval is False and model.stem_channels == 64
    assert BACKBONES.build(dict(type="mmpretrain.ResNeXt", depth=50, **SMALL)).groups == 32
    assert BACKBONES.build(dict(type="mmpretrain.RegNet", arch="regnetx_400mf")).out_indices == (3,)
    assert BACKBONES.build(dict(type="mmpretrain.HRNet", arch="w18_small")).norm_eval is False


def test_default_scope_picks_mmpretrain_defaults_and_leaves_no_trace():
    with default_scope("mmpretrain"):
        inside = BACKBONES.build(dict(type="ResNet", depth=18, base_channels=8))
    outside = BACKBONES.build(dict(type="ResNet", depth=18, base_channels=8))
    assert inside.out_indices == (3,) and outside.out_indices == (0, 1, 2, 3)
    with default_scope("mmdet"):
        assert BACKBONES.build(dict(type="ResNet", depth=18, base_channels=8)).out_indices == (0, 1, 2, 3)


def test_mmpretrain_registry_is_a_child_of_backbones():
    assert MMPRETRAIN_BACKBONES.parent is BACKBONES and MMPRETRAIN_BACKBONES.scope == "mmpretrain"
    # a type mmpretrain has no variant of falls back on ours
    assert type(BACKBONES.build(dict(type="mmpretrain.GhostNet", widen_factor=0.25))).__name__ == "GhostNet"


def test_mmpretrain_v1c_stem_is_conv_modules():
    keys = set(BACKBONES.build(dict(type="mmpretrain.ResNetV1c", depth=18, **SMALL)).state_dict())
    assert {"stem.0.conv.weight", "stem.0.bn.running_mean", "stem.2.conv.weight", "stem.2.bn.bias"} <= keys
    assert "stem.0.weight" not in keys


def test_mmpretrain_v1d_has_no_pool_in_a_stride_one_shortcut():
    model = BACKBONES.build(dict(type="mmpretrain.ResNetV1d", depth=50, **SMALL))
    assert isinstance(model.layer1[0].downsample[0], nn.Conv2d)
    assert isinstance(model.layer2[0].downsample[0], nn.AvgPool2d)
    assert isinstance(ResNetV1d(depth=50, **SMALL).layer1[0].downsample[0], nn.AvgPool2d)  # mmdet keeps it


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (lambda: ResNetV1c(depth=18, **SMALL), dict(type="mmpretrain.ResNetV1c", depth=18, **SMALL)),
        (lambda: ResNetV1d(depth=50, **SMALL), dict(type="mmpretrain.ResNetV1d", depth=50, **SMALL)),
    ],
    ids=["V1c", "V1d"],
)
def test_either_layout_loads_strictly_into_the_other_with_the_same_outputs(ours, theirs, randomize_norms):
    mmdet_layout = randomize_norms(ours()).eval()
    mmpretrain_layout = BACKBONES.build(dict(theirs, out_indices=(0, 1, 2, 3))).eval()
    mmpretrain_layout.load_state_dict(mmdet_layout.state_dict(), strict=True)
    back = ours().eval()
    back.load_state_dict(mmpretrain_layout.state_dict(), strict=True)
    x = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        for a, b, c in zip(mmdet_layout(x), mmpretrain_layout(x), back(x), strict=True):
            torch.testing.assert_close(a, b)
            torch.testing.assert_close(a, c)


@pytest.mark.parametrize(
    "extra_key",
    [
        "stem.9.weight",  # past the stem
        "stem.5.weight",  # a ReLU's index in the flat stem: no module to rename it to
        "layer2.0.downsample.extra",  # a shortcut key with no index to shift
    ],
)
@pytest.mark.parametrize("target", ["ResNetV1c", "mmpretrain.ResNetV1c"])
def test_a_checkpoint_of_neither_layout_still_fails_strictly(extra_key, target):
    state = ResNetV1c(depth=18, **SMALL).state_dict()  # mmdet's layout, plus a key of neither
    state[extra_key] = torch.zeros(1)
    with pytest.raises(RuntimeError, match=extra_key):
        BACKBONES.build(dict(type=target, depth=18, **SMALL)).load_state_dict(state, strict=True)


def test_width_per_group_is_base_width():
    assert ResNeXt(50, groups=2, width_per_group=8, **SMALL).base_width == 8
    with pytest.raises(ValueError, match="base_width=2 and width_per_group=8"):
        ResNeXt(50, groups=2, base_width=2, width_per_group=8)


def test_hrnet_arch_is_extra_by_name():
    assert HRNet(arch="w32").out_channels == HRNet("w32").out_channels == (32, 64, 128, 256)


def test_simplified_basic_block_has_optional_norms_and_no_last_relu():
    block = SimplifiedBasicBlock(4, 4, norm_cfg=dict(type="BN")).eval()
    assert block.conv1.bias is None and isinstance(block.norm1, nn.BatchNorm2d)
    x = -torch.ones(1, 4, 4, 4)
    nn.init.zeros_(block.conv2.weight)
    assert torch.equal(block(x), x + block.norm2(torch.zeros_like(x)))  # negative: no ReLU after the sum
    assert set(SimplifiedBasicBlock(4, 4).state_dict()) == {"conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias"}


def test_get_expansion():
    assert (get_expansion(BasicBlock), get_expansion(Bottleneck), get_expansion(Bottleneck, 2)) == (1, 4, 2)
    with pytest.raises(TypeError, match="no expansion"):
        get_expansion(nn.Conv2d)
    with pytest.raises(ValueError, match="expansion=0"):
        get_expansion(Bottleneck, 0)
    for wrong_type in ("0", 2.0, True):  # a bad type is a TypeError, a bad value a ValueError
        with pytest.raises(TypeError, match=f"expansion={wrong_type!r}: expected an int or None"):
            get_expansion(Bottleneck, wrong_type)


def test_vgg_norm_cfg_is_with_bn_and_index_5_is_the_classifier():
    from cnn_backbones import VGG

    assert set(VGG(11, norm_cfg=dict(type="BN")).state_dict()) == set(VGG(11, with_bn=True).state_dict())
    model = VGG(11, num_classes=3, out_indices=(5,)).eval()
    (logits,) = model(torch.rand(1, 3, 32, 32))
    assert logits.shape == (1, 3) and model.out_indices == ()
    with pytest.raises(ValueError, match=r"out_indices=\(4, 5\): 5 is the classifier's output"):
        VGG(11, out_indices=(4, 5))


def test_mmpretrain_vgg_layout():
    model = BACKBONES.build(dict(type="mmpretrain.VGG", depth=11, norm_cfg=dict(type="BN")))
    keys = set(model.state_dict())
    assert {"features.0.conv.weight", "features.0.conv.bias", "features.0.bn.weight", "features.2.conv.weight"} <= keys
    assert model.out_indices == (4,) and not hasattr(model, "avgpool")
    with_head = BACKBONES.build(dict(type="mmpretrain.VGG", depth=11, num_classes=4))
    assert with_head.out_indices == () and len(with_head(torch.rand(1, 3, 224, 224))) == 1


def test_expansion_makes_a_wide_resnet():
    model = ResNet(50, base_channels=16, expansion=2, out_indices=(0, 3))
    assert model.out_channels == (32, 256) and model.layer1[0].conv3.out_channels == 32
    assert model.layer1[0].conv2.out_channels == 16
    with pytest.raises(ValueError, match="expansion=2: BasicBlock"):
        ResNet(18, expansion=2)


def test_drop_path_rate_rises_linearly_and_only_trains():
    model = ResNet(18, base_channels=8, drop_path_rate=0.3)
    blocks = [b for layer in (model.layer1, model.layer2, model.layer3, model.layer4) for b in layer]
    assert blocks[0].drop_path is None
    assert [b.drop_path.drop_prob for b in blocks[1:]] == pytest.approx([0.3 * i / 7 for i in range(1, 8)])
    assert set(model.state_dict()) == set(ResNet(18, base_channels=8).state_dict())
    x = torch.rand(1, 3, 32, 32)
    model.eval()
    plain = ResNet(18, base_channels=8).eval()
    plain.load_state_dict(model.state_dict())
    with torch.no_grad():
        torch.testing.assert_close(model(x)[-1], plain(x)[-1])  # identity in eval mode
    with pytest.raises(ValueError, match="drop_path_rate=1.5"):
        ResNet(18, drop_path_rate=1.5)


def test_contract_dilation_and_multi_grid_as_mmseg():
    kwargs = dict(base_channels=8, strides=(1, 2, 1, 1), dilations=(1, 1, 2, 4))
    model = ResNetV1c(depth=50, contract_dilation=True, multi_grid=(1, 2, 4), **kwargs)
    assert [b.conv2.dilation[0] for b in model.layer3] == [1, 2, 2, 2, 2, 2]  # first block halved
    assert [b.conv2.dilation[0] for b in model.layer4] == [1, 2, 4]  # the grid replaces the stage's dilation
    plain = ResNetV1c(depth=50, **kwargs)
    assert [b.conv2.dilation[0] for b in plain.layer3] == [2] * 6
    assert set(model.state_dict()) == set(plain.state_dict())
    assert model(torch.rand(1, 3, 32, 32))[-1].shape == (1, 256, 4, 4)
    with pytest.raises(ValueError, match=r"multi_grid=\(1, 2\): expected 3 dilations"):
        ResNet(50, multi_grid=(1, 2))

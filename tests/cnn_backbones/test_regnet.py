"""RegNetX: the published stage widths and depths for every named architecture."""

from __future__ import annotations

import copy

import pytest
import torch

from cnn_backbones import RegNet

# Stage widths (the in_channels of mmdet's RegNet FPN configs) and block counts (the RegNet paper's models).
PUBLISHED = {
    "regnetx_400mf": ((32, 64, 160, 384), (1, 2, 7, 12)),
    "regnetx_800mf": ((64, 128, 288, 672), (1, 3, 7, 5)),
    "regnetx_1.6gf": ((72, 168, 408, 912), (2, 4, 10, 2)),
    "regnetx_3.2gf": ((96, 192, 432, 1008), (2, 6, 15, 2)),
    "regnetx_4.0gf": ((80, 240, 560, 1360), (2, 5, 14, 2)),
    "regnetx_6.4gf": ((168, 392, 784, 1624), (2, 4, 10, 1)),
    "regnetx_8.0gf": ((80, 240, 720, 1920), (2, 5, 15, 1)),
    "regnetx_12gf": ((224, 448, 896, 2240), (2, 5, 11, 1)),
}


@pytest.mark.parametrize("arch", list(PUBLISHED))
def test_published_widths_and_depths(arch):
    model = RegNet(arch)
    widths, blocks = PUBLISHED[arch]
    assert model.out_channels == widths
    assert tuple(len(getattr(model, f"layer{i}")) for i in range(1, 5)) == blocks
    group_w = RegNet.arch_settings[arch]["group_w"]
    for i, width in enumerate(widths, start=1):
        conv2 = getattr(model, f"layer{i}")[0].conv2
        assert conv2.out_channels == width
        assert conv2.groups == width // min(group_w, width)


def test_output_shapes_and_strides(image):
    model = RegNet("regnetx_800mf", out_indices=(0, 2)).eval()
    assert [tuple(o.shape) for o in model(image)] == [(1, 64, 8, 8), (1, 288, 2, 2)]
    assert model.out_strides == (4, 16)
    assert model.conv1.stride == (2, 2) and not hasattr(model, "maxpool")


def test_dict_arch_is_not_mutated():
    arch = dict(w0=88, wa=26.31, wm=2.25, group_w=48, depth=25, bot_mul=1.0)
    snapshot = copy.deepcopy(arch)
    assert RegNet(arch).out_channels == PUBLISHED["regnetx_3.2gf"][0]
    assert arch == snapshot


def test_keys_follow_mmdet_resnet_naming():
    keys = set(RegNet("regnetx_400mf").state_dict())
    assert {"conv1.weight", "bn1.weight", "layer1.0.conv2.weight", "layer1.0.downsample.0.weight"} <= keys
    assert "layer1.0.downsample.1.running_var" in keys


def test_zero_init_residual_and_freezing(batch):
    model = RegNet("regnetx_400mf", frozen_stages=1, norm_eval=False)
    model.init_weights()
    assert torch.count_nonzero(model.layer2[0].bn3.weight) == 0
    model.train()
    assert not model.layer1[0].bn1.training and not model.conv1.weight.requires_grad
    assert model.layer2[0].bn1.training


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(arch="regnetx_1gf"), ValueError, r"arch='regnetx_1gf': expected one of"),
        (dict(arch=3.2), TypeError, r"arch=3.2"),
        (dict(arch=dict(w0=8, wa=8.0)), ValueError, r"missing keys \['wm', 'depth', 'group_w', 'bot_mul'\]"),
        (dict(arch="regnetx_400mf", strides=(2, 2)), ValueError, r"arch has 4 stages"),
        (dict(arch="regnetx_400mf", deep_stem=True), ValueError, r"deep_stem=True"),
        (dict(arch=dict(w0=10, wa=8.0, wm=2.0, group_w=8, depth=4, bot_mul=1.0)), ValueError, r"w0=10"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        RegNet(**kwargs)


def test_stages_given_instead_of_generated():
    # torchvision's RegNetX-400MF: pycls's parameters, but 392 snapped to a multiple of 16 rounding half up
    arch = dict(stage_widths=(32, 64, 160, 400), stage_blocks=(1, 2, 7, 12), group_w=16, bot_mul=1.0)
    snapshot = copy.deepcopy(arch)
    model = RegNet(arch)
    assert model.out_channels == (32, 64, 160, 400) and arch == snapshot
    assert tuple(len(getattr(model, f"layer{i}")) for i in range(1, 5)) == (1, 2, 7, 12)
    assert model.layer4[0].conv2.groups == 25
    assert RegNet("regnetx_400mf").layer4[0].conv2.groups == 24


@pytest.mark.parametrize(
    ("arch", "match"),
    [
        (dict(stage_widths=(32, 64), stage_blocks=(1,), group_w=16, bot_mul=1.0), "equally long sequences"),
        (dict(stage_widths=(32, 0), stage_blocks=(1, 1), group_w=16, bot_mul=1.0), "positive ints"),
        (dict(stage_widths=(32, 40), stage_blocks=(1, 1), group_w=16, bot_mul=1.0), "40 bottleneck channels, not a"),
        (dict(stage_widths=(32,), stage_blocks=(1,)), r"missing keys \['group_w', 'bot_mul'\]"),
    ],
)
def test_bad_given_stages(arch, match):
    with pytest.raises(ValueError, match=match):
        RegNet(arch, strides=(2,) * len(arch["stage_widths"]), dilations=(1,) * len(arch["stage_widths"]))

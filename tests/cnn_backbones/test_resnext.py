"""ResNeXt: grouped bottleneck widths of the published 32x4d and 32x8d models."""

from __future__ import annotations

import pytest
import torch

from cnn_backbones import ResNeXt


@pytest.mark.parametrize(
    ("depth", "groups", "base_width", "widths", "params"),
    [
        # torchvision: resnext50_32x4d has 25,028,904 parameters, resnext101_32x8d 88,791,336; fc is 2048*1000+1000
        (50, 32, 4, (128, 256, 512, 1024), 25_028_904 - 2_049_000),
        (101, 32, 8, (256, 512, 1024, 2048), 88_791_336 - 2_049_000),
    ],
)
def test_published_widths_and_parameter_counts(depth, groups, base_width, widths, params):
    model = ResNeXt(depth, groups=groups, base_width=base_width)
    assert tuple(getattr(model, f"layer{i}")[0].conv2.out_channels for i in range(1, 5)) == widths
    assert all(getattr(model, f"layer{i}")[0].conv2.groups == groups for i in range(1, 5))
    assert sum(p.numel() for p in model.parameters()) == params


def test_groups_one_is_resnet(image):
    model = ResNeXt(50, groups=1).eval()
    assert model.layer1[0].conv2.out_channels == 64 and model.layer1[0].conv2.groups == 1
    assert [o.shape[1] for o in model(image)] == [256, 512, 1024, 2048]


def test_plugins_see_the_grouped_width():
    plugin = dict(cfg=dict(type="ContextBlock", ratio=1 / 4), position="after_conv2")
    model = ResNeXt(50, groups=32, base_width=4, plugins=[plugin], out_indices=(0,)).eval()
    assert model.layer1[0].context_block.in_channels == 128
    assert model(torch.rand(1, 3, 32, 32))[0].shape == (1, 256, 8, 8)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(depth=18), r"depth=18: expected one of \[50, 101, 152\]"),
        (dict(depth=50, groups=0), r"groups=0"),
        (dict(depth=50, base_width=-4), r"base_width=-4"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ResNeXt(**kwargs)

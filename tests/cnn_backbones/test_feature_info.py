"""Every registered backbone: ``out_channels``/``out_strides`` describe what ``forward`` returns."""

from __future__ import annotations

import pytest
import torch

from cnn_backbones import BACKBONES

CONFIGS = [
    dict(type="ResNet", depth=18, base_channels=8, out_indices=(0, 2, 3)),
    dict(type="ResNet", depth=50, base_channels=8, strides=(1, 2, 2, 1), dilations=(1, 1, 1, 2)),
    dict(
        type="ResNetV1c",
        depth=18,
        base_channels=8,
        num_stages=3,
        strides=(1, 2, 2),
        dilations=(1, 1, 1),
        out_indices=(0, 1, 2),
    ),
    dict(type="ResNetV1d", depth=50, base_channels=8, out_indices=(1,)),
    dict(type="ResNet_CIFAR", depth=18, base_channels=8),
    dict(type="ResNeXt", depth=50, groups=2, base_width=4, base_channels=8, out_indices=(2, 3)),
    dict(type="Res2Net", depth=50, scales=3, base_width=4, base_channels=8),
    dict(type="RegNet", arch=dict(w0=8, wa=6.0, wm=1.4, group_w=8, depth=5, bot_mul=1.0)),
    dict(
        type="HRNet",
        extra=dict(
            stage1=dict(num_modules=1, num_branches=1, block="BOTTLENECK", num_blocks=(1,), num_channels=(8,)),
            stage2=dict(num_modules=1, num_branches=2, block="BASIC", num_blocks=(1, 1), num_channels=(4, 8)),
            stage3=dict(num_modules=1, num_branches=3, block="BASIC", num_blocks=(1, 1, 1), num_channels=(4, 8, 16)),
            stage4=dict(num_modules=1, num_branches=4, block="BASIC", num_blocks=(1,) * 4, num_channels=(4, 8, 16, 32)),
        ),
        out_indices=(0, 3),
    ),
    dict(type="VGG", depth=11, with_bn=True, out_indices=(1, 4)),
    dict(type="VGG", depth=11, with_last_pool=False, ceil_mode=True),
    dict(type="SSDVGG", depth=11, out_feature_indices=(14, 24)),
    dict(type="GhostNet", widen_factor=0.25, out_indices=(0, 1, 4, 9)),
]


def test_every_registered_backbone_is_covered():
    assert {cfg["type"] for cfg in CONFIGS} == set(BACKBONES) - {"ResNetStem5"}  # the guide's example


@pytest.mark.parametrize("cfg", CONFIGS, ids=lambda cfg: cfg["type"])
def test_out_channels_and_strides_describe_the_outputs(cfg):
    model = BACKBONES.build(cfg).eval()
    size = 64
    with torch.no_grad():
        outs = model(torch.rand(1, 3, size, size))
    assert isinstance(outs, tuple)
    assert tuple(o.shape[1] for o in outs) == model.out_channels
    # with ceil-mode pooling the size is rounded up, so compare with ceil(size / stride)
    assert tuple(o.shape[-1] for o in outs) == tuple(-(-size // s) for s in model.out_strides)

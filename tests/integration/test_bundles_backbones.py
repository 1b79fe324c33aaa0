"""cnn-bundles with cnn-backbones: plugins inside ResNet blocks, fuse_conv_bn and channels-last on whole backbones."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

pytest.importorskip("cnn_backbones")

from cnn_backbones import GhostNet, ResNet
from cnn_bundles import ContextBlock, GeneralizedAttention, NonLocal2d, fuse_conv_bn, to_channels_last


def randomize(model: nn.Module) -> nn.Module:
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.num_features, generator=generator) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=generator) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=generator) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=generator) * 0.1)
    return model.eval()


def count_bn(model: nn.Module) -> int:
    return sum(isinstance(m, nn.BatchNorm2d) for m in model.modules())


def assert_same_outputs(actual: tuple[torch.Tensor, ...], expected: tuple[torch.Tensor, ...]) -> None:
    assert len(actual) == len(expected)
    for a, e in zip(actual, expected, strict=True):
        assert torch.allclose(a, e, rtol=1e-4, atol=1e-5 * e.abs().max().item()), (a - e).abs().max()


@pytest.mark.parametrize("depth", [18, 50])
def test_fuse_conv_bn_folds_every_batchnorm_of_resnet(depth: int) -> None:
    model = randomize(ResNet(depth=depth))
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        expected = model(x)
        fused = fuse_conv_bn(copy.deepcopy(model))
        assert count_bn(model) == {18: 20, 50: 53}[depth] and count_bn(fused) == 0
        assert_same_outputs(fused(x), expected)
        fused, x_cl = to_channels_last(fused, x)
        assert_same_outputs(fused(x_cl), expected)


def test_fuse_conv_bn_on_ghostnet() -> None:
    model = randomize(GhostNet())
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        expected = model(x)
        fused = fuse_conv_bn(copy.deepcopy(model))
        assert count_bn(fused) == 0
        assert_same_outputs(fused(x), expected)


def test_resnet_with_the_bundles_plugins_by_config() -> None:
    plugins = [
        dict(cfg=dict(type="ContextBlock", ratio=1 / 4), position="after_conv3"),
        dict(
            cfg=dict(type="NonLocal2d", mode="dot_product"), position="after_conv2", stages=(False, False, True, True)
        ),
        dict(
            cfg=dict(type="GeneralizedAttention", num_heads=4, kv_stride=1),
            position="after_conv2",
            stages=(False, False, False, True),
        ),
    ]
    model = randomize(ResNet(depth=50, plugins=plugins, out_indices=(3,)))
    kinds = [type(m) for m in model.modules() if isinstance(m, (ContextBlock, NonLocal2d, GeneralizedAttention))]
    assert kinds.count(ContextBlock) == 16 and kinds.count(NonLocal2d) == 9 and kinds.count(GeneralizedAttention) == 3
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        expected = model(x)
        fused = fuse_conv_bn(copy.deepcopy(model))
        assert count_bn(fused) == 0
        assert_same_outputs(fused(x), expected)

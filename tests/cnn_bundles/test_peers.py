"""cnn_bundles against timm and torchvision (run in `nox -s peers`)."""

from __future__ import annotations

import copy
import re

import pytest
import torch
from torch import nn

from cnn_bundles import GhostBottleneck, GhostModule, fuse_conv_bn, to_channels_last

pytestmark = pytest.mark.peer


# timm's GhostBottleneck keys -> ours (ConvModule names conv/bn, SELayer conv1/conv2); one rename per key.
RENAMES = [
    (r"(primary_conv|cheap_operation)\.0\.", r"\1.conv."),
    (r"(primary_conv|cheap_operation)\.1\.", r"\1.bn."),
    (r"^conv_dw\.", "conv_dw.conv."),
    (r"^bn_dw\.", "conv_dw.bn."),
    (r"^se\.conv_reduce\.", "se.conv1.conv."),
    (r"^se\.conv_expand\.", "se.conv2.conv."),
    (r"^shortcut\.0\.", "shortcut.0.conv."),
    (r"^shortcut\.1\.", "shortcut.0.bn."),
    (r"^shortcut\.2\.", "shortcut.1.conv."),
    (r"^shortcut\.3\.", "shortcut.1.bn."),
]


def timm_ghost_keys(key: str) -> str:
    for pattern, replacement in RENAMES:
        if re.search(pattern, key):
            return re.sub(pattern, replacement, key, count=1)
    return key


@pytest.mark.parametrize(
    ("in_ch", "mid", "out_ch", "k", "stride", "se_ratio"),
    [(16, 16, 16, 3, 1, 0.0), (16, 48, 24, 3, 2, 0.0), (24, 72, 40, 5, 2, 0.25), (40, 120, 40, 5, 1, 0.25)],
)
def test_ghost_bottleneck_equals_timm(in_ch, mid, out_ch, k, stride, se_ratio, random_bn) -> None:
    from timm.models.ghostnet import GhostBottleneck as TimmGhostBottleneck

    theirs = random_bn(TimmGhostBottleneck(in_ch, mid, out_ch, dw_kernel_size=k, stride=stride, se_ratio=se_ratio))
    ours = GhostBottleneck(in_ch, mid, out_ch, dw_kernel_size=k, stride=stride, se_ratio=se_ratio)
    state = {timm_ghost_keys(key): value for key, value in theirs.state_dict().items()}
    ours.load_state_dict(state, strict=True)
    x = torch.randn(2, in_ch, 8, 8)
    for mode in ("eval", "train"):
        getattr(theirs, mode)()
        getattr(ours, mode)()
        with torch.no_grad():
            assert torch.allclose(ours(x), theirs(x), atol=1e-5), mode


def test_ghost_module_equals_timm(random_bn) -> None:
    from timm.models.ghostnet import GhostModule as TimmGhostModule

    theirs = random_bn(TimmGhostModule(8, 15, kernel_size=3, ratio=3, dw_size=5, stride=2)).eval()
    ours = GhostModule(8, 15, kernel_size=3, ratio=3, dw_size=5, stride=2).eval()
    ours.load_state_dict({timm_ghost_keys(k): v for k, v in theirs.state_dict().items()}, strict=True)
    x = torch.randn(2, 8, 8, 8)
    assert torch.allclose(ours(x), theirs(x), atol=1e-5)


@pytest.mark.parametrize("name", ["resnet18", "resnet50", "mobilenet_v2"])
def test_fuse_conv_bn_folds_every_batchnorm_of_torchvision_models(name: str) -> None:
    import torchvision

    model = getattr(torchvision.models, name)(weights=None)
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.copy_(torch.randn(m.num_features, generator=generator) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=generator) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=generator) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=generator) * 0.1)
    model.eval()
    batchnorms = sum(isinstance(m, nn.BatchNorm2d) for m in model.modules())
    x = torch.randn(1, 3, 64, 64)
    with torch.no_grad():
        expected = model(x)
        fused = fuse_conv_bn(copy.deepcopy(model))
        assert sum(isinstance(m, nn.BatchNorm2d) for m in fused.modules()) == 0
        assert batchnorms == {"resnet18": 20, "resnet50": 53, "mobilenet_v2": 52}[name]
        actual = fused(x)
        assert torch.allclose(actual, expected, rtol=1e-4, atol=1e-5 * expected.abs().max().item())
        fused, x_cl = to_channels_last(fused, x)
        assert torch.allclose(fused(x_cl), expected, rtol=1e-4, atol=1e-5 * expected.abs().max().item())


def test_ghost_bottleneck_with_another_activation_equals_timm(random_bn) -> None:
    from timm.models.ghostnet import GhostBottleneck as TimmGhostBottleneck

    theirs = random_bn(TimmGhostBottleneck(16, 32, 24, stride=2, se_ratio=0.25, act_layer=nn.Hardswish)).eval()
    ours = GhostBottleneck(16, 32, 24, stride=2, se_ratio=0.25, act_cfg=dict(type="HSwish")).eval()
    ours.load_state_dict({timm_ghost_keys(k): v for k, v in theirs.state_dict().items()}, strict=True)
    x = torch.randn(2, 16, 8, 8)
    with torch.no_grad():
        assert torch.allclose(ours(x), theirs(x), atol=1e-5)

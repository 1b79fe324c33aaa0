"""Same weights, same features: our backbones against torchvision and timm (run in ``nox -s peers``).

Each test copies the peer's weights into our backbone (renaming keys where timm names them
differently), loads them with ``strict=True`` and compares the feature maps in eval mode.
"""

from __future__ import annotations

import re

import pytest
import torch
from torch import nn

from cnn_backbones import VGG, GhostNet, HRNet, RegNet, Res2Net, ResNet, ResNeXt

pytestmark = pytest.mark.peer

X = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(0))


def _close(ours, theirs):
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs, strict=True):
        assert a.shape == b.shape
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


def _torchvision_resnet_features(model: nn.Module, x: torch.Tensor) -> list[torch.Tensor]:
    x = model.maxpool(model.relu(model.bn1(model.conv1(x))))
    outs = []
    for layer in (model.layer1, model.layer2, model.layer3, model.layer4):
        x = layer(x)
        outs.append(x)
    return outs


TORCHVISION_RESNETS = {
    "resnet18": lambda: ResNet(18),
    "resnet34": lambda: ResNet(34),
    "resnet50": lambda: ResNet(50),
    "resnet101": lambda: ResNet(101),
    "resnet152": lambda: ResNet(152),
    "resnext50_32x4d": lambda: ResNeXt(50, groups=32, base_width=4),
    "resnext101_32x8d": lambda: ResNeXt(101, groups=32, base_width=8),
}


@pytest.mark.parametrize("name", list(TORCHVISION_RESNETS))
def test_torchvision_resnets(name, randomize_norms):
    torchvision = pytest.importorskip("torchvision")
    theirs = randomize_norms(getattr(torchvision.models, name)()).eval()
    ours = TORCHVISION_RESNETS[name]().eval()
    state = {k: v for k, v in theirs.state_dict().items() if not k.startswith("fc.")}
    ours.load_state_dict(state, strict=True)
    with torch.no_grad():
        _close(ours(X), _torchvision_resnet_features(theirs, X))


@pytest.mark.parametrize(
    ("name", "depth", "with_bn"), [("vgg11", 11, False), ("vgg16_bn", 16, True), ("vgg19", 19, False)]
)
def test_torchvision_vggs(name, depth, with_bn, randomize_norms):
    torchvision = pytest.importorskip("torchvision")
    theirs = randomize_norms(getattr(torchvision.models, name)()).eval()
    ours = VGG(depth, with_bn=with_bn, num_classes=1000).eval()
    ours.load_state_dict(theirs.state_dict(), strict=True)
    x = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        *features, logits = ours(x)
        torch.testing.assert_close(features[-1], theirs.features(x), rtol=1e-5, atol=1e-5)
        torch.testing.assert_close(logits, theirs(x), rtol=1e-5, atol=1e-5)
    backbone = VGG(depth, with_bn=with_bn)
    backbone.load_state_dict({k: v for k, v in theirs.state_dict().items() if k.startswith("features.")}, strict=True)


def test_timm_tv_resnet(randomize_norms):
    timm = pytest.importorskip("timm")
    theirs = randomize_norms(timm.create_model("resnet50.tv_in1k", pretrained=False)).eval()
    ours = ResNet(50).eval()
    ours.load_state_dict({k: v for k, v in theirs.state_dict().items() if not k.startswith("fc.")}, strict=True)
    with torch.no_grad():
        _close(ours(X), theirs.forward_intermediates(X, intermediates_only=True)[1:])


def _rename(state: dict[str, torch.Tensor], rules: list[tuple[str, str]], drop: tuple[str, ...]) -> dict:
    out = {}
    for key, value in state.items():
        if key.startswith(drop):
            continue
        for pattern, repl in rules:
            key = re.sub(pattern, repl, key)
        out[key] = value
    return out


def _regnet_key(match: re.Match) -> str:
    return f"layer{match[1]}.{int(match[2]) - 1}."


REGNET_RULES = [
    (r"^stem\.conv\.", "conv1."),
    (r"^stem\.bn\.", "bn1."),
    (r"^s(\d)\.b(\d+)\.", _regnet_key),
    (r"\.conv(\d)\.conv\.", r".conv\1."),
    (r"\.conv(\d)\.bn\.", r".bn\1."),
    (r"\.downsample\.conv\.", ".downsample.0."),
    (r"\.downsample\.bn\.", ".downsample.1."),
]


@pytest.mark.parametrize(
    ("timm_name", "arch"),
    [("regnetx_004", "regnetx_400mf"), ("regnetx_016", "regnetx_1.6gf"), ("regnetx_032", "regnetx_3.2gf")],
)
def test_timm_regnet(timm_name, arch, randomize_norms):
    timm = pytest.importorskip("timm")
    theirs = randomize_norms(timm.create_model(timm_name)).eval()
    ours = RegNet(arch).eval()
    ours.load_state_dict(_rename(theirs.state_dict(), REGNET_RULES, ("head.",)), strict=True)
    with torch.no_grad():
        _close(ours(X), theirs.forward_intermediates(X, intermediates_only=True)[1:])


@pytest.mark.parametrize(
    "arch",
    [
        "regnetx_400mf",
        "regnetx_800mf",
        "regnetx_1.6gf",
        "regnetx_3.2gf",
        "regnetx_4.0gf",
        "regnetx_6.4gf",
        "regnetx_8.0gf",
        "regnetx_12gf",
    ],
)
def test_timm_regnet_widths(arch):
    timm = pytest.importorskip("timm")
    name = {
        "regnetx_400mf": "004",
        "regnetx_800mf": "008",
        "regnetx_1.6gf": "016",
        "regnetx_3.2gf": "032",
        "regnetx_4.0gf": "040",
        "regnetx_6.4gf": "064",
        "regnetx_8.0gf": "080",
        "regnetx_12gf": "120",
    }[arch]
    theirs = timm.create_model(f"regnetx_{name}", features_only=True, out_indices=(1, 2, 3, 4))
    assert RegNet(arch).out_channels == tuple(theirs.feature_info.channels())


def test_timm_res2net50d(randomize_norms):
    timm = pytest.importorskip("timm")
    theirs = randomize_norms(timm.create_model("res2net50d")).eval()
    rules = [(r"^conv1\.(\d)\.", r"stem.\1."), (r"^bn1\.", "stem.7.")]
    ours = Res2Net(depth=50, scales=4, base_width=26).eval()
    ours.load_state_dict(_rename(theirs.state_dict(), rules, ("fc.",)), strict=True)
    with torch.no_grad():
        theirs_out = theirs.forward_intermediates(X, intermediates_only=True)[1:]
        ours_out = ours(X)
    # timm average-pools the pass-through slice of every stage's first block, also when it does not
    # stride (layer1); mmdet's Res2Net, whose checkpoints we load, does not. The strided stages agree
    # only if their inputs agree, so compare layer1 through our own block and the rest on equal inputs.
    assert ours_out[0].shape == theirs_out[0].shape
    with torch.no_grad():
        x = theirs_out[0]
        for i, layer in enumerate((ours.layer2, ours.layer3, ours.layer4), start=1):
            x_ours = layer(x)
            x = getattr(theirs, f"layer{i + 1}")(x)
            torch.testing.assert_close(x_ours, x, rtol=1e-5, atol=1e-5)


def test_timm_hrnet(randomize_norms):
    timm = pytest.importorskip("timm")
    theirs = randomize_norms(timm.create_model("hrnet_w18_small_v2")).eval()
    ours = HRNet("w18_small").eval()
    head = ("incre_modules", "downsamp_modules", "final_layer", "classifier")
    ours.load_state_dict({k: v for k, v in theirs.state_dict().items() if not k.startswith(head)}, strict=True)
    with torch.no_grad():
        x = theirs.act2(theirs.bn2(theirs.conv2(theirs.act1(theirs.bn1(theirs.conv1(X))))))
        _close(ours(X), theirs.stages(x))


@pytest.mark.parametrize("name", ["hrnet_w18", "hrnet_w32", "hrnet_w48"])
def test_timm_hrnet_keys(name):
    timm = pytest.importorskip("timm")
    theirs = timm.create_model(name)
    head = ("incre_modules", "downsamp_modules", "final_layer", "classifier")
    expected = {k for k in theirs.state_dict() if not k.startswith(head)}
    assert set(HRNet(name.split("_")[1]).state_dict()) == expected


GHOST_RULES = [
    (r"^conv_stem\.", "stem.conv."),
    (r"^bn1\.", "stem.bn."),
    (r"\.(primary_conv|cheap_operation)\.0\.", r".\1.conv."),
    (r"\.(primary_conv|cheap_operation)\.1\.", r".\1.bn."),
    (r"\.conv_dw\.", ".conv_dw.conv."),
    (r"\.bn_dw\.", ".conv_dw.bn."),
    (r"\.se\.conv_reduce\.", ".se.conv1.conv."),
    (r"\.se\.conv_expand\.", ".se.conv2.conv."),
    (r"\.shortcut\.0\.", ".shortcut.0.conv."),
    (r"\.shortcut\.1\.", ".shortcut.0.bn."),
    (r"\.shortcut\.2\.", ".shortcut.1.conv."),
    (r"\.shortcut\.3\.", ".shortcut.1.bn."),
    (r"^blocks\.9\.0\.bn1\.", "blocks.9.0.bn."),
]


@pytest.mark.parametrize(("name", "widen_factor"), [("ghostnet_100", 1.0), ("ghostnet_050", 0.5)])
def test_timm_ghostnet(name, widen_factor, randomize_norms):
    timm = pytest.importorskip("timm")
    theirs = randomize_norms(timm.create_model(name)).eval()
    ours = GhostNet(widen_factor=widen_factor, out_indices=tuple(range(10))).eval()
    ours.load_state_dict(_rename(theirs.state_dict(), GHOST_RULES, ("conv_head", "classifier")), strict=True)
    with torch.no_grad():
        x = theirs.act1(theirs.bn1(theirs.conv_stem(X)))
        expected = []
        for stage in theirs.blocks:
            x = stage(x)
            expected.append(x)
        _close(ours(X), expected)
    features = timm.create_model(name, features_only=True)
    same = GhostNet(widen_factor=widen_factor, out_indices=(1, 3, 5, 7))
    assert same.out_channels == tuple(features.feature_info.channels())[1:]
    assert same.out_strides == tuple(features.feature_info.reduction())[1:]

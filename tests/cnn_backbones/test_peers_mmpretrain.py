"""Our 'mmpretrain' scope against mmpretrain 1.2 itself: same keys and shapes, same outputs with its weights.

Runs in the peer session (torch 2.14.1 with mmengine, mmcv-lite and mmpretrain installed). Batch-norm
statistics and affine parameters are randomised first, so a wrongly wired norm cannot hide.
"""

from __future__ import annotations

import pytest
import torch

from cnn_backbones import BACKBONES

pytestmark = pytest.mark.peer

X = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(0))

CONFIGS = [
    ("ResNet", dict(depth=18)),
    ("ResNet", dict(depth=50, out_indices=(0, 1, 2, 3))),
    ("ResNetV1c", dict(depth=50)),
    ("ResNetV1d", dict(depth=50, out_indices=(1, 3))),
    ("ResNeXt", dict(depth=50)),
    ("ResNeXt", dict(depth=50, groups=32, width_per_group=8)),
    ("Res2Net", dict(depth=50)),
    ("Res2Net", dict(depth=50, scales=8, base_width=14, deep_stem=False, avg_down=False)),
    ("RegNet", dict(arch="regnetx_400mf")),
    ("HRNet", dict(arch="w18")),
]


def _peer(name: str, kwargs: dict) -> torch.nn.Module:
    """mmpretrain's backbone in eval mode (its ``train()`` returns None, so it cannot be chained)."""
    backbones = pytest.importorskip("mmpretrain.models.backbones")
    model = getattr(backbones, name)(**kwargs)
    model.eval()
    return model


def _shapes(model: torch.nn.Module) -> dict[str, tuple[int, ...]]:
    return {k: tuple(v.shape) for k, v in model.state_dict().items()}


@pytest.mark.parametrize(("name", "kwargs"), CONFIGS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(CONFIGS)])
def test_same_keys_and_outputs_as_mmpretrain(name, kwargs, randomize_norms):
    theirs = randomize_norms(_peer(name, kwargs))
    ours = BACKBONES.build(dict(type=f"mmpretrain.{name}", **kwargs)).eval()
    assert _shapes(ours) == _shapes(theirs)
    assert ours.norm_eval == theirs.norm_eval
    ours.load_state_dict(theirs.state_dict(), strict=True)
    with torch.no_grad():
        mine, peer = ours(X), theirs(X)
    peer = tuple(peer) if isinstance(peer, (tuple, list)) else (peer,)
    assert len(mine) == len(peer)
    for a, b in zip(mine, peer, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["ResNetV1c", "ResNetV1d"])
def test_mmpretrain_checkpoints_load_strictly_into_the_mmdet_layout(name, randomize_norms):
    theirs = randomize_norms(_peer(name, dict(depth=50, out_indices=(0, 1, 2, 3))))
    ours = BACKBONES.build(dict(type=name, depth=50)).eval()  # mmdet's layout: flat stem, pooled shortcuts
    ours.load_state_dict(theirs.state_dict(), strict=True)
    with torch.no_grad():
        for a, b in zip(ours(X), theirs(X), strict=True):
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


VGG_CONFIGS = [
    dict(depth=11),
    dict(depth=11, norm_cfg=dict(type="BN"), out_indices=(0, 2, 4)),
    dict(depth=13, num_classes=10),
    dict(depth=11, norm_cfg=dict(type="BN"), num_classes=10, out_indices=(3, 5)),
]


@pytest.mark.parametrize("kwargs", VGG_CONFIGS, ids=[str(i) for i in range(len(VGG_CONFIGS))])
def test_vgg_layout_and_outputs_as_mmpretrain(kwargs, randomize_norms):
    theirs = randomize_norms(_peer("VGG", kwargs))
    ours = BACKBONES.build(dict(type="mmpretrain.VGG", **kwargs)).eval()
    assert _shapes(ours) == _shapes(theirs)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    x = torch.rand(1, 3, 224, 224, generator=torch.Generator().manual_seed(0))  # its classifier needs 7x7 maps
    with torch.no_grad():
        for a, b in zip(ours(x), theirs(x), strict=True):
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


def test_wide_resnet_and_drop_path_as_mmpretrain(randomize_norms):
    kwargs = dict(depth=50, base_channels=128, expansion=2, drop_path_rate=0.05, out_indices=(0, 3))
    theirs = randomize_norms(_peer("ResNet", kwargs))
    ours = BACKBONES.build(dict(type="mmpretrain.ResNet", **kwargs)).eval()
    assert _shapes(ours) == _shapes(theirs)
    ours.load_state_dict(theirs.state_dict(), strict=True)
    rates = [b.drop_path.drop_prob for layer in (ours.layer1, ours.layer4) for b in layer if b.drop_path is not None]
    theirs_rates = [
        b.drop_path.drop_prob
        for layer in (theirs.layer1, theirs.layer4)
        for b in layer
        if hasattr(b.drop_path, "drop_prob")
    ]
    assert rates == pytest.approx(theirs_rates)
    with torch.no_grad():
        for a, b in zip(ours(X), theirs(X), strict=True):
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-5)


STAGES = [
    ("BasicBlock", 2, 32, 64, dict(stride=2)),
    ("Bottleneck", 3, 32, 64, dict(stride=2, avg_down=True)),
    ("Bottleneck", 2, 32, 64, dict(avg_down=True)),  # stride 1: mmpretrain has no pool in the shortcut
    ("Bottleneck", 2, 32, 64, dict(expansion=2)),
]


@pytest.mark.parametrize(("block", "num_blocks", "cin", "cout", "kwargs"), STAGES, ids=lambda v: str(v))
def test_mmpretrain_res_layer_as_mmpretrain(block, num_blocks, cin, cout, kwargs, randomize_norms):
    from cnn_backbones import MMPretrainBasicBlock, MMPretrainBottleneck
    from cnn_backbones.mmpretrain_variants import ResLayer

    resnet = pytest.importorskip("mmpretrain.models.backbones.resnet")
    theirs = randomize_norms(resnet.ResLayer(getattr(resnet, block), num_blocks, cin, cout, **kwargs)).eval()
    ours_block = {"BasicBlock": MMPretrainBasicBlock, "Bottleneck": MMPretrainBottleneck}[block]
    ours = ResLayer(ours_block, num_blocks, cin, cout, **kwargs).eval()
    assert _shapes(ours) == _shapes(theirs)
    assert [(b.in_channels, b.mid_channels, b.out_channels) for b in ours] == [
        (b.in_channels, b.mid_channels, b.out_channels) for b in theirs
    ]
    ours.load_state_dict(theirs.state_dict(), strict=True)
    x = torch.rand(1, cin, 16, 16, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        torch.testing.assert_close(ours(x), theirs(x), rtol=1e-5, atol=1e-5)

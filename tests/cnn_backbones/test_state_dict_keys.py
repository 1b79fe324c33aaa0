"""State-dict keys, derived independently from the published layouts (mmdet/torchvision naming).

A checkpoint loads with ``strict=True`` only if the key sets are equal, so these tests spell out
the expected keys from the architecture descriptions rather than from our code.
"""

from __future__ import annotations

import pytest

from cnn_backbones import RegNet, Res2Net, ResNet, ResNetV1c, ResNetV1d, ResNeXt

STAGE_BLOCKS = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3), 50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3)}


def _norm(prefix: str, batch_norm: bool = True) -> list[str]:
    if not batch_norm:
        return [f"{prefix}.weight", f"{prefix}.bias"]
    return [f"{prefix}.{k}" for k in ("weight", "bias", "running_mean", "running_var", "num_batches_tracked")]


def expected_keys(
    stage_blocks, *, bottleneck=True, deep_stem=False, avg_down=False, norm="bn", res2net_scales=0
) -> set[str]:
    """Keys of an OpenMMLab ResNet-style backbone, written from the architecture description."""
    batch_norm = norm == "bn"
    keys = []
    if deep_stem:
        for conv, bn in ((0, 1), (3, 4), (6, 7)):
            keys += [f"stem.{conv}.weight", *_norm(f"stem.{bn}", batch_norm)]
    else:
        keys += ["conv1.weight", *_norm(f"{norm}1", batch_norm)]
    for i, num_blocks in enumerate(stage_blocks):
        for j in range(num_blocks):
            prefix = f"layer{i + 1}.{j}"
            if res2net_scales:
                keys += [f"{prefix}.conv1.weight", *_norm(f"{prefix}.{norm}1", batch_norm)]
                for s in range(res2net_scales - 1):
                    keys += [f"{prefix}.convs.{s}.weight", *_norm(f"{prefix}.bns.{s}", batch_norm)]
                keys += [f"{prefix}.conv3.weight", *_norm(f"{prefix}.{norm}3", batch_norm)]
            else:
                for k in range(1, 4 if bottleneck else 3):
                    keys += [f"{prefix}.conv{k}.weight", *_norm(f"{prefix}.{norm}{k}", batch_norm)]
            if j == 0 and (bottleneck or i > 0):
                o = 1 if avg_down else 0
                keys += [f"{prefix}.downsample.{o}.weight", *_norm(f"{prefix}.downsample.{o + 1}", batch_norm)]
    return set(keys)


@pytest.mark.parametrize("depth", [18, 34, 50, 101, 152])
@pytest.mark.parametrize("style", ["pytorch", "caffe"])
def test_resnet_keys(depth, style):
    keys = set(ResNet(depth, style=style).state_dict())
    assert keys == expected_keys(STAGE_BLOCKS[depth], bottleneck=depth >= 50)


def test_resnet50_has_torchvisions_318_backbone_keys():
    # torchvision's resnet50 state dict has 320 entries; 2 of them are fc.weight and fc.bias.
    assert len(ResNet(50).state_dict()) == 318


@pytest.mark.parametrize(("cls", "avg_down"), [(ResNetV1c, False), (ResNetV1d, True)])
def test_v1c_v1d_keys(cls, avg_down):
    keys = set(cls(depth=50).state_dict())
    assert keys == expected_keys(STAGE_BLOCKS[50], deep_stem=True, avg_down=avg_down)


def test_group_norm_keys_use_the_gn_abbreviation():
    keys = set(ResNet(50, norm_cfg=dict(type="GN", num_groups=32)).state_dict())
    assert keys == expected_keys(STAGE_BLOCKS[50], norm="gn")


def test_resnext_keys_equal_resnet_keys():
    assert set(ResNeXt(101, groups=64, base_width=4).state_dict()) == expected_keys(STAGE_BLOCKS[101])


def test_res2net_keys():
    keys = set(Res2Net(depth=101, scales=4, base_width=26).state_dict())
    assert keys == expected_keys(STAGE_BLOCKS[101], deep_stem=True, avg_down=True, res2net_scales=4)


def test_regnet_keys():
    model = RegNet("regnetx_3.2gf")
    assert set(model.state_dict()) == expected_keys((2, 6, 15, 2))


def test_plugin_keys():
    plugin = dict(cfg=dict(type="ContextBlock", ratio=1 / 16), stages=(False, True, True, True), position="after_conv3")
    keys = set(ResNet(50, plugins=[plugin]).state_dict())
    extra = keys - expected_keys(STAGE_BLOCKS[50])
    assert {k.split(".context_block.")[0] for k in extra} == {
        f"layer{i + 1}.{j}" for i in (1, 2, 3) for j in range(STAGE_BLOCKS[50][i])
    }
    # mmcv's ContextBlock: conv_mask, channel_add_conv.{0: conv, 1: LayerNorm, 3: conv}
    assert {k.split(".context_block.")[1] for k in extra} == {
        "conv_mask.weight",
        "conv_mask.bias",
        "channel_add_conv.0.weight",
        "channel_add_conv.0.bias",
        "channel_add_conv.1.weight",
        "channel_add_conv.1.bias",
        "channel_add_conv.3.weight",
        "channel_add_conv.3.bias",
    }

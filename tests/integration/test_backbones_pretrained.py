"""Backbones + cnn-zoo: published checkpoint names end to end, from a real HTTP server on 127.0.0.1.

User catalogs in ``$CNN_ZOO_HOME`` (``torchvision.json``, ``open-mmlab.json``) point the published
names at the local server, which serves checkpoints with the published key names and a SHA256
prefix in the file name, as the real ones have.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from cnn_backbones import HRNet, RegNet, ResNet


@pytest.fixture
def server(checkpoint_server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("CNN_ZOO_HOME", str(tmp_path / "zoo"))
    monkeypatch.delenv("CNN_ZOO_OFFLINE", raising=False)
    (tmp_path / "zoo").mkdir()
    return checkpoint_server


def _random_state(model: torch.nn.Module, dtype: torch.dtype = torch.float32) -> dict[str, torch.Tensor]:
    gen = torch.Generator().manual_seed(3)
    return {
        k: torch.rand(v.shape, generator=gen).to(dtype) if v.is_floating_point() else v.clone()
        for k, v in model.state_dict().items()
    }


def test_pretrained_torchvision_resnet50(server, tmp_path):
    # torchvision's resnet50 keys (+ fc); float16 halves the 100 MB of a float32 file.
    state = _random_state(ResNet(50), torch.float16)
    state["fc.weight"], state["fc.bias"] = torch.zeros(1000, 2048, dtype=torch.float16), torch.zeros(1000)
    url = server.publish("resnet50", state)
    (tmp_path / "zoo" / "torchvision.json").write_text(json.dumps({"resnet50": url}))

    model = ResNet(50, pretrained="torchvision://resnet50", frozen_stages=1)
    model.init_weights()
    loaded = model.state_dict()
    assert all(torch.equal(loaded[k], state[k].float()) for k in loaded if loaded[k].is_floating_point())
    # zero_init_residual does not overwrite a checkpoint; frozen stages stay frozen after loading
    assert torch.equal(model.layer1[0].bn3.weight, state["layer1.0.bn3.weight"].float())
    assert not model.layer1[0].conv1.weight.requires_grad and model.layer2[0].conv1.weight.requires_grad


def test_open_mmlab_hrnet_checkpoint_with_state_dict_and_meta(server, tmp_path):
    state = _random_state(HRNet("w18_small"))
    url = server.publish("hrnetv2_w18_small", {"state_dict": state, "meta": {"epoch": 100}})
    (tmp_path / "zoo" / "open-mmlab.json").write_text(json.dumps({"msra/hrnetv2_w18_small": url}))

    model = HRNet("w18_small", init_cfg=dict(type="Pretrained", checkpoint="open-mmlab://msra/hrnetv2_w18_small"))
    model.init_weights()
    assert all(torch.equal(v, state[k]) for k, v in model.state_dict().items())


def test_backbone_out_of_a_detector_checkpoint_with_prefix(server):
    # A detector checkpoint holds backbone.*, neck.* and head keys; prefix picks the backbone.
    backbone = _random_state(RegNet("regnetx_400mf"))
    state = {f"backbone.{k}": v for k, v in backbone.items()}
    state["neck.lateral_convs.0.conv.weight"] = torch.zeros(256, 32, 1, 1)
    url = server.publish("mask_rcnn_regnetx-400MF", {"state_dict": state})

    model = RegNet("regnetx_400mf", init_cfg=dict(type="Pretrained", checkpoint=url, prefix="backbone."))
    model.init_weights()
    assert all(torch.equal(v, backbone[k]) for k, v in model.state_dict().items())


def test_strict_load_into_the_wrong_family_names_the_keys(server):
    from cnn_zoo import StateDictMismatchError, load_checkpoint

    url = server.publish("regnet", _random_state(RegNet("regnetx_400mf")))
    with pytest.raises(StateDictMismatchError, match="layer1.0.conv2.weight"):
        load_checkpoint(RegNet("regnetx_800mf"), url, strict=True)


def test_mmcls_resnet50_v1d_checkpoint_loads_strictly_into_the_mmpretrain_scope(server, tmp_path):
    # mmcls/mmpretrain's ResNetV1d: ConvModule stem (stem.0.conv.*), no pool in layer1's shortcut, a classifier head.
    # A narrow network keeps the file small; the key layout is that of the published checkpoint.
    from cnn_backbones import BACKBONES

    small = dict(type="mmpretrain.ResNetV1d", depth=50, base_channels=8, stem_channels=8)
    theirs = _random_state(BACKBONES.build(small))
    assert "stem.0.conv.weight" in theirs and "layer1.0.downsample.0.weight" in theirs
    state = {f"backbone.{k}": v for k, v in theirs.items()}
    state["head.fc.weight"], state["head.fc.bias"] = torch.zeros(1000, 256), torch.zeros(1000)
    url = server.publish("resnetv1d50_b32x8_imagenet", {"state_dict": state, "meta": {}})
    (tmp_path / "zoo" / "mmcls.json").write_text(json.dumps({"resnet50_v1d": url}))

    pretrained = dict(type="Pretrained", checkpoint="mmcls://resnet50_v1d", strict=True)
    model = BACKBONES.build(dict(small, init_cfg=pretrained))
    model.init_weights()
    assert all(torch.equal(v, theirs[k]) for k, v in model.state_dict().items())


def test_mmcls_resnet50_v1c_checkpoint_loads_strictly_into_the_mmdet_layout(server, tmp_path):
    # The stem keys differ (stem.0.conv.weight there, stem.0.weight here); the load hook renames them.
    from cnn_backbones import BACKBONES, ResNetV1c

    small = dict(depth=50, base_channels=8, stem_channels=8)
    theirs = _random_state(BACKBONES.build(dict(type="mmpretrain.ResNetV1c", **small)))
    url = server.publish("resnetv1c50_b32x8_imagenet", {"state_dict": {f"backbone.{k}": v for k, v in theirs.items()}})
    (tmp_path / "zoo" / "mmcls.json").write_text(json.dumps({"resnet50_v1c": url}))

    model = ResNetV1c(**small, init_cfg=dict(type="Pretrained", checkpoint="mmcls://resnet50_v1c", strict=True))
    model.init_weights()
    loaded = model.state_dict()
    assert torch.equal(loaded["stem.0.weight"], theirs["stem.0.conv.weight"])
    assert torch.equal(loaded["stem.7.running_var"], theirs["stem.2.bn.running_var"])

"""cnn-backbones with cnn-zoo: `pretrained='torchvision://resnet18'` end to end, from a local mirror.

A user ``torchvision.json`` in ``$CNN_ZOO_HOME`` points ``torchvision://resnet18`` at a
real HTTP server on 127.0.0.1, which serves a checkpoint with torchvision's key names
(the backbone's own keys plus the classifier ``fc``), named with its SHA256 prefix.
"""

from __future__ import annotations

import json

import pytest
import torch

from cnn_backbones import ResNet


@pytest.fixture
def mirror(checkpoint_server, tmp_path, monkeypatch):
    monkeypatch.setenv("CNN_ZOO_HOME", str(tmp_path / "zoo"))
    monkeypatch.delenv("CNN_ZOO_OFFLINE", raising=False)
    return checkpoint_server


def publish_resnet18(mirror, tmp_path) -> dict[str, torch.Tensor]:
    """A torchvision-style resnet18 checkpoint (backbone keys + fc), served and listed in torchvision.json."""
    torch.manual_seed(1)
    source = ResNet(depth=18)
    state = {k: torch.randn_like(v) if v.is_floating_point() else v for k, v in source.state_dict().items()}
    state["fc.weight"], state["fc.bias"] = torch.randn(1000, 512), torch.randn(1000)
    url = mirror.publish("resnet18", state, folder="/models/")
    home = tmp_path / "zoo"
    home.mkdir(exist_ok=True)
    (home / "torchvision.json").write_text(json.dumps({"resnet18": url}))
    return state


def test_pretrained_torchvision_name_loads_through_the_mirror(mirror, tmp_path):
    state = publish_resnet18(mirror, tmp_path)
    model = ResNet(depth=18, pretrained="torchvision://resnet18")
    model.init_weights()
    loaded = model.state_dict()
    for key, value in loaded.items():
        assert torch.equal(value, state[key]), key
    assert "fc.weight" not in loaded  # the classifier is reported as unexpected, not loaded
    assert list(mirror.gets.values()) == [1]

    again = ResNet(depth=18, init_cfg=dict(type="Pretrained", checkpoint="torchvision://resnet18"))
    again.init_weights()
    assert torch.equal(again.conv1.weight, state["conv1.weight"])
    assert list(mirror.gets.values()) == [1]  # the second model came from the cache


def test_strict_load_of_a_wrong_depth_names_the_keys(mirror, tmp_path):
    publish_resnet18(mirror, tmp_path)
    from cnn_zoo import StateDictMismatchError, load_checkpoint

    with pytest.raises(StateDictMismatchError, match=r"missing keys.*layer1\.2\.conv1\.weight") as info:
        load_checkpoint(ResNet(depth=34), "torchvision://resnet18", strict=True)
    assert "fc.weight" in info.value.report.unexpected_keys


@pytest.mark.peer
def test_torchvision_checkpoint_gives_torchvisions_features(mirror, tmp_path):
    models = pytest.importorskip("torchvision.models")
    torch.manual_seed(2)
    reference = models.resnet18().eval()
    url = mirror.publish("resnet18", reference.state_dict(), folder="/models/")
    (tmp_path / "zoo").mkdir(exist_ok=True)
    (tmp_path / "zoo" / "torchvision.json").write_text(json.dumps({"resnet18": url}))

    backbone = ResNet(depth=18, out_indices=(3,), pretrained="torchvision://resnet18").eval()
    backbone.init_weights()
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        expected = torch.nn.Sequential(*list(reference.children())[:-2])(x)
        (actual,) = backbone(x)
    torch.testing.assert_close(actual, expected)

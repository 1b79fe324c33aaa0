"""mmengine's loader API: CheckpointLoader.register_scheme, revise_keys, and loading under a prefix (issue 12)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from cnn_registry import AlreadyRegisteredError
from cnn_zoo import (
    CHECKPOINT_LOADERS,
    CheckpointLoader,
    load_checkpoint,
    load_checkpoint_with_prefix,
    save_checkpoint,
)
from cnn_zoo.pretrained import Pretrained


@pytest.fixture
def loaders():
    with CHECKPOINT_LOADERS.temporary_registrations():
        yield CHECKPOINT_LOADERS


def model() -> nn.Module:
    torch.manual_seed(1)
    return nn.Sequential(nn.Conv2d(3, 3, 1), nn.BatchNorm2d(3))


def test_register_scheme_as_a_call_and_as_a_decorator(loaders, tmp_path):
    path = save_checkpoint(model(), tmp_path / "m.pth")
    calls = []

    def from_ftp(filename, map_location):
        calls.append((filename, map_location))
        return torch.load(path, map_location=map_location)

    CheckpointLoader.register_scheme("ftp://", from_ftp)
    target = nn.Sequential(nn.Conv2d(3, 3, 1), nn.BatchNorm2d(3))
    load_checkpoint(target, "ftp://host/m.pth", strict=True)
    assert calls == [("ftp://host/m.pth", "cpu")]
    assert torch.equal(target[0].weight, model()[0].weight)

    @CheckpointLoader.register_scheme(prefixes=["s3://", "S4://"])
    def from_s3(filename, map_location):
        return {"state_dict": {"w": torch.ones(1)}, "from": filename}

    assert CheckpointLoader.load_checkpoint("s4://bucket/x.pth")["from"] == "s4://bucket/x.pth"
    assert from_s3.__name__ == "from_s3"  # the decorator returns the function itself


def test_a_taken_scheme_needs_force(loaders):
    CheckpointLoader.register_scheme("ftp://", lambda f, m: {"first": 1})
    with pytest.raises(KeyError, match="ftp") as info:  # a KeyError, as mmengine raises
        CheckpointLoader.register_scheme("ftp://", lambda f, m: {"second": 2})
    assert info.type is AlreadyRegisteredError
    CheckpointLoader.register_scheme("ftp://", lambda f, m: {"second": 2}, force=True)
    assert CheckpointLoader.load_checkpoint("ftp://x") == {"second": 2}


def test_registrations_through_the_facade_are_undone_with_the_registry(tmp_path):
    with CHECKPOINT_LOADERS.temporary_registrations():
        CheckpointLoader.register_scheme("ftp://", lambda f, m: {})
        assert "ftp" in CHECKPOINT_LOADERS
    assert "ftp" not in CHECKPOINT_LOADERS


@pytest.mark.parametrize(("prefixes", "error"), [("data/", ValueError), (3, TypeError), ([], TypeError)])
def test_bad_prefixes_are_named(loaders, prefixes, error):
    with pytest.raises(error, match="prefix"):
        CheckpointLoader.register_scheme(prefixes, lambda f, m: {})


def test_revise_keys_defaults_to_stripping_module(tmp_path):
    source = model()
    wrapped = {f"module.{k}": v for k, v in source.state_dict().items()}
    path = save_checkpoint(wrapped, tmp_path / "ddp.pth")
    target = nn.Sequential(nn.Conv2d(3, 3, 1), nn.BatchNorm2d(3))
    load_checkpoint(target, path, strict=True)
    assert torch.equal(target[1].running_var, source[1].running_var)
    renamed = {f"net.{k}": v for k, v in source.state_dict().items()}
    path = save_checkpoint(renamed, tmp_path / "net.pth")
    load_checkpoint(target, path, strict=True, revise_keys=[(r"^net\.", "")])
    with pytest.raises(RuntimeError, match="unexpected keys"):
        load_checkpoint(target, path, strict=True)  # the default rule leaves net. alone


def test_loading_the_part_under_a_prefix(tmp_path):
    backbone = model()
    detector = {f"backbone.{k}": v for k, v in backbone.state_dict().items()}
    detector["head.fc.weight"] = torch.zeros(2, 2)
    path = save_checkpoint(detector, tmp_path / "detector.pth")
    for prefix in ("backbone", "backbone."):
        part = load_checkpoint_with_prefix(prefix, path)
        assert sorted(part) == sorted(backbone.state_dict())
    with pytest.raises(KeyError, match=r"'neck\.' matches no key.*'backbone\.', 'head\.'"):
        load_checkpoint_with_prefix("neck", path)
    target = nn.Sequential(nn.Conv2d(3, 3, 1), nn.BatchNorm2d(3))
    Pretrained(str(path), prefix="backbone.", strict=True)(target)
    assert torch.equal(target[0].weight, backbone[0].weight)


def test_save_checkpoint_takes_a_whole_checkpoint_as_mmengine_does(tmp_path):
    source = model()
    checkpoint = {"state_dict": source.state_dict(), "meta": {"epoch": 3}, "message_hub": {"iter": 9}}
    path = save_checkpoint(checkpoint, tmp_path / "epoch_3.pth")
    from cnn_zoo import read_checkpoint

    saved = read_checkpoint(path)
    assert saved["meta"] == {"epoch": 3} and saved["message_hub"] == {"iter": 9}
    assert sorted(saved["state_dict"]) == sorted(source.state_dict())
    assert list(checkpoint) == ["state_dict", "meta", "message_hub"]  # the caller's dict is not changed
    target = nn.Sequential(nn.Conv2d(3, 3, 1), nn.BatchNorm2d(3))
    load_checkpoint(target, path, strict=True)
    assert torch.equal(target[0].weight, source[0].weight)


def test_register_scheme_checks_its_arguments():
    with pytest.raises(TypeError, match=r"prefixes must be strings such as 's3://', got int: 3"):
        CheckpointLoader.register_scheme(["s3://", 3])
    with pytest.raises(TypeError, match=r"force must be a bool, got str: 'yes'"):
        CheckpointLoader.register_scheme("s3://", force="yes")
    with pytest.raises(TypeError, match=r"loader must be callable, got str: 'load_s3'"):
        CheckpointLoader.register_scheme("s3://", "load_s3")
    assert "s3" not in CHECKPOINT_LOADERS


def test_pretrained_loads_into_modules_only():
    with pytest.raises(TypeError, match=r"Pretrained: module must be a torch.nn.Module, got dict: \{\}"):
        Pretrained("w.pth")({})

"""cnn-zoo's checkpoint API against mmengine's own functions, on the same files (runs in `nox -s peers`)."""

from __future__ import annotations

from collections import OrderedDict

import pytest
import torch
from torch import nn

from cnn_zoo import CHECKPOINT_LOADERS, CheckpointLoader, load_checkpoint, load_checkpoint_with_prefix, save_checkpoint

pytestmark = pytest.mark.peer
mmengine_checkpoint = pytest.importorskip("mmengine.runner.checkpoint")


def net() -> nn.Module:
    return nn.Sequential(OrderedDict(conv=nn.Conv2d(3, 4, 3), bn=nn.BatchNorm2d(4), fc=nn.Linear(4, 2)))


def trained() -> nn.Module:
    torch.manual_seed(0)
    model = net()
    with torch.no_grad():
        for tensor in model.state_dict().values():
            if tensor.is_floating_point():
                tensor.normal_()
    return model


def assert_same_weights(a: nn.Module, b: nn.Module) -> None:
    for (key, x), y in zip(a.state_dict().items(), b.state_dict().values(), strict=True):
        assert torch.equal(x, y), key


def test_a_checkpoint_mmengine_saved_loads_the_same_in_both(tmp_path):
    source = trained()
    path = tmp_path / "epoch_1.pth"
    mmengine_checkpoint.save_checkpoint({"state_dict": source.state_dict(), "meta": {"epoch": 1}}, str(path))
    ours, theirs = net(), net()
    checkpoint = load_checkpoint(ours, str(path), strict=True)
    mmengine_checkpoint.load_checkpoint(theirs, str(path), strict=True)
    assert_same_weights(ours, theirs)
    assert checkpoint["meta"] == {"epoch": 1}


def test_a_checkpoint_we_saved_loads_strictly_in_mmengine(tmp_path):
    source = trained()
    path = save_checkpoint(source, tmp_path / "ours.pth", meta={"epoch": 2})
    theirs = net()
    mmengine_checkpoint.load_checkpoint(theirs, str(path), strict=True)
    assert_same_weights(theirs, source)


def test_default_revise_keys_agree_on_a_dataparallel_checkpoint(tmp_path):
    source = trained()
    path = tmp_path / "ddp.pth"
    torch.save({"state_dict": {f"module.{k}": v for k, v in source.state_dict().items()}}, path)
    ours, theirs = net(), net()
    load_checkpoint(ours, str(path), strict=True)
    mmengine_checkpoint.load_checkpoint(theirs, str(path), strict=True)
    assert_same_weights(ours, theirs)


def test_loading_under_a_prefix_agrees(tmp_path):
    source = trained()
    path = tmp_path / "detector.pth"
    state = {f"backbone.{k}": v for k, v in source.state_dict().items()}
    state["head.weight"] = torch.ones(1)
    torch.save({"state_dict": state}, path)
    for prefix in ("backbone", "backbone."):
        ours = load_checkpoint_with_prefix(prefix, str(path))
        theirs = mmengine_checkpoint._load_checkpoint_with_prefix(prefix, str(path))
        assert list(ours) == list(theirs)
        assert all(torch.equal(ours[k], theirs[k]) for k in ours)


def test_one_loader_function_registers_in_both(tmp_path):
    source = trained()
    path = save_checkpoint(source, tmp_path / "remote.pth")

    def load_from_ftp(filename, map_location=None):
        return torch.load(path, map_location=map_location)

    schemes = mmengine_checkpoint.CheckpointLoader._schemes
    mmengine_checkpoint.CheckpointLoader.register_scheme("ftp://", load_from_ftp)
    try:
        with CHECKPOINT_LOADERS.temporary_registrations():
            CheckpointLoader.register_scheme("ftp://", load_from_ftp)
            ours, theirs = net(), net()
            load_checkpoint(ours, "ftp://host/remote.pth", strict=True)
            mmengine_checkpoint.load_checkpoint(theirs, "ftp://host/remote.pth", strict=True)
    finally:
        schemes.pop("ftp://", None)  # leave mmengine's loaders as they were
    assert_same_weights(ours, theirs)
    assert_same_weights(ours, source)

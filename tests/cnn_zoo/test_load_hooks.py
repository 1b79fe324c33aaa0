"""Checkpoint loading goes through torch's own load_state_dict: hooks, _metadata, all-or-nothing (issue 11, 11-15)."""

from __future__ import annotations

import os
from collections import OrderedDict
from pathlib import Path

import pytest
import torch
from torch import nn

from cnn_zoo import (
    StateDictMismatchError,
    load_checkpoint,
    load_state_dict,
    read_checkpoint,
    save_checkpoint,
    state_dict_from_checkpoint,
)

# --- 11. the module's own load hooks run (the cnn-layers cases are in tests/integration) -----------------------


def test_a_load_state_dict_pre_hook_sees_keys_the_module_does_not_have():
    seen: list[str] = []

    class Renamed(nn.Linear):
        def __init__(self) -> None:
            super().__init__(2, 2)
            self._register_load_state_dict_pre_hook(self._rename, with_module=True)  # public from torch 2.5

        def _rename(self, module, state_dict, prefix, *args):
            seen.extend(state_dict)
            for name in ("weight", "bias"):
                if prefix + "old_" + name in state_dict:
                    state_dict[prefix + name] = state_dict.pop(prefix + "old_" + name)

    source = nn.Linear(2, 2)
    target = Renamed()
    load_state_dict(target, {"old_weight": source.weight, "old_bias": source.bias}, strict=True)
    assert "old_weight" in seen
    assert torch.equal(target.weight, source.weight)


# --- 12. a failed load leaves the module untouched -----------------------------------------------------------------


def snapshot(module: nn.Module) -> dict[str, torch.Tensor]:
    return {k: v.clone() for k, v in module.state_dict().items()}


def assert_untouched(module: nn.Module, before: dict[str, torch.Tensor]) -> None:
    for key, value in module.state_dict().items():
        assert torch.equal(value, before[key]), f"{key} was modified by a failed load"


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(lambda: torch.empty(4, 2, device="meta"), id="meta"),
        pytest.param(lambda: torch.eye(4, 2).to_sparse(), id="sparse"),
    ],
)
@pytest.mark.parametrize("strict", [True, False])
def test_a_tensor_torch_cannot_copy_leaves_the_module_untouched(bad, strict):
    model = nn.Sequential(nn.Linear(2, 4), nn.Linear(4, 2))
    source = nn.Sequential(nn.Linear(2, 4), nn.Linear(4, 2)).state_dict()
    source["1.weight"] = bad().reshape(2, 4) if bad().layout == torch.strided else torch.eye(2, 4).to_sparse()
    before = snapshot(model)
    with pytest.raises(StateDictMismatchError, match=r"1\.weight.*left as it was"):
        load_state_dict(model, source, strict=strict)
    assert_untouched(model, before)


def test_strict_missing_key_found_by_torch_undoes_what_was_copied():
    model = nn.Sequential(nn.Linear(2, 4), nn.Linear(4, 2))
    source = nn.Sequential(nn.Linear(2, 4), nn.Linear(4, 2)).state_dict()
    del source["1.bias"]
    before = snapshot(model)
    with pytest.raises(StateDictMismatchError, match=r"missing keys.*1\.bias"):
        load_state_dict(model, source, strict=True)
    assert_untouched(model, before)


# --- 13. _metadata survives save and load ----------------------------------------------------------------------------


class Versioned(nn.Module):
    """Version 2 renamed ``scale`` to ``gain``; its hook reads the version from ``_metadata``."""

    _version = 2

    def __init__(self) -> None:
        super().__init__()
        self.gain = nn.Parameter(torch.zeros(3))

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing, unexpected, errors):
        if local_metadata.get("version", 1) < 2 and prefix + "scale" in state_dict:
            state_dict[prefix + "gain"] = state_dict.pop(prefix + "scale")
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing, unexpected, errors)


def test_metadata_reaches_version_aware_hooks_through_save_and_load(tmp_path):
    old = OrderedDict(scale=torch.ones(3))
    old._metadata = OrderedDict({"": {"version": 1}})  # type: ignore[attr-defined]
    path = save_checkpoint(old, tmp_path / "v1.pth")
    loaded = state_dict_from_checkpoint(read_checkpoint(path))
    assert loaded._metadata[""] == {"version": 1}  # type: ignore[attr-defined]
    target = Versioned()
    load_checkpoint(target, path, strict=True)
    assert torch.equal(target.gain, torch.ones(3))


def test_metadata_follows_revised_keys_and_prefixes(tmp_path):
    wrapped = nn.Sequential(OrderedDict(backbone=nn.Sequential(nn.BatchNorm2d(2))))
    path = save_checkpoint({f"module.{k}": v for k, v in wrapped.state_dict().items()}, tmp_path / "ddp.pth")
    assert read_checkpoint(path)["state_dict"]  # plain dict given: no metadata, still loads
    sd = wrapped.state_dict()
    renamed = OrderedDict((f"module.{k}", v) for k, v in sd.items())
    renamed._metadata = OrderedDict((f"module.{k}" if k else "module", v) for k, v in sd._metadata.items())  # type: ignore[attr-defined]
    path = save_checkpoint(renamed, tmp_path / "ddp_meta.pth")
    target = nn.Sequential(nn.BatchNorm2d(2))
    seen = {}
    original = nn.BatchNorm2d._load_from_state_dict

    def spy(self, state_dict, prefix, local_metadata, *args):
        seen[prefix] = dict(local_metadata)
        return original(self, state_dict, prefix, local_metadata, *args)

    nn.BatchNorm2d._load_from_state_dict = spy
    try:
        load_checkpoint(target, path, strict=True, prefix="backbone.")
    finally:
        nn.BatchNorm2d._load_from_state_dict = original
    assert seen["0."]["version"] == 2


# --- 14. ~ in paths; 15. a state_dict that is not a mapping ----------------------------------------------------------


def test_tilde_is_expanded_on_save_and_load(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    path = save_checkpoint(nn.Linear(1, 1), "~/weights/l.pth")
    assert path == tmp_path / "weights" / "l.pth" and path.is_file()
    assert not Path("~").exists()
    load_checkpoint(nn.Linear(1, 1), "~/weights/l.pth", strict=True)
    assert os.fspath(path).startswith(str(tmp_path))


@pytest.mark.parametrize("key", ["state_dict", "model"])
def test_a_state_dict_entry_that_is_a_tensor_is_a_clear_error(tmp_path, key):
    path = tmp_path / "odd.pth"
    torch.save({key: torch.ones(2)}, path)
    with pytest.raises(TypeError, match=rf"checkpoint\['{key}'\] must be a mapping of names to tensors.*got Tensor"):
        load_checkpoint(nn.Linear(2, 1), path)


class _SwappedLayout(nn.Module):
    """Checkpoints of an older layout stored `first` under `second` and the other way round."""

    def __init__(self) -> None:
        super().__init__()
        self.first = nn.Linear(2, 3)
        self.second = nn.Linear(3, 5)
        self._register_load_state_dict_pre_hook(self._swap_old_layout, with_module=False)

    @staticmethod
    def _swap_old_layout(state_dict, prefix, *args):
        if state_dict.get(prefix + "first.weight", torch.empty(0)).shape == (5, 3):
            for suffix in ("weight", "bias"):
                first, second = prefix + "first." + suffix, prefix + "second." + suffix
                state_dict[first], state_dict[second] = state_dict[second], state_dict[first]


def test_shapes_are_compared_after_the_modules_own_hooks_renamed_the_keys():
    # a key's name means what the module's load hook says; the shape check must come after it
    source = _SwappedLayout()
    old_layout = {
        "first.weight": source.second.weight.detach().clone(),
        "first.bias": source.second.bias.detach().clone(),
        "second.weight": source.first.weight.detach().clone(),
        "second.bias": source.first.bias.detach().clone(),
    }
    target = nn.Sequential(_SwappedLayout())
    report = load_state_dict(target, {"0." + k: v for k, v in old_layout.items()}, strict=True)
    assert report.ok
    assert torch.equal(target[0].first.weight, source.first.weight)
    assert torch.equal(target[0].second.bias, source.second.bias)

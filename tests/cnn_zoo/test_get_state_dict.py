"""``get_state_dict``: mmengine's state dict without the keys model wrappers add, at any depth."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from cnn_zoo import get_state_dict, load_state_dict


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 1)
        self.norm = nn.BatchNorm2d(3)


class Model(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.block = Block()
        self.conv = nn.Conv2d(3, 3, 1)


KEYS = {
    "block.conv.weight",
    "block.conv.bias",
    "block.norm.weight",
    "block.norm.bias",
    "block.norm.running_mean",
    "block.norm.running_var",
    "block.norm.num_batches_tracked",
    "conv.weight",
    "conv.bias",
}


def test_plain_module_gives_its_own_state_dict() -> None:
    model = Model()
    state = get_state_dict(model)
    assert set(state) == KEYS
    assert torch.equal(state["block.conv.weight"], model.block.conv.weight)
    assert not state["block.conv.weight"].requires_grad  # detached, as torch's state_dict


def test_wrappers_at_any_depth_leave_no_module_prefix() -> None:
    model = Model()
    block = model.block
    wrapped = nn.DataParallel(model)
    wrapped.module.block = nn.DataParallel(block)  # a wrapped child too
    assert any(".module." in k for k in wrapped.state_dict())
    state = get_state_dict(wrapped)
    assert set(state) == KEYS
    assert torch.equal(state["block.norm.running_var"], block.norm.running_var)
    # what it returns loads strictly into the bare model, as mmengine's does
    assert load_state_dict(Model(), state, strict=True).ok


def test_prefix_and_keep_vars() -> None:
    model = Model()
    state = get_state_dict(nn.DataParallel(model), prefix="backbone.", keep_vars=True)
    assert set(state) == {f"backbone.{k}" for k in KEYS}
    assert state["backbone.conv.weight"] is model.conv.weight


def test_metadata_follows_the_renamed_keys() -> None:
    model = Model()
    block = model.block
    wrapped = nn.DataParallel(model)
    wrapped.module.block = nn.DataParallel(block)
    meta = get_state_dict(wrapped)._metadata  # type: ignore[attr-defined]
    assert meta["block.norm"]["version"] == block.norm._version
    assert not any("module" in k.split(".") for k in meta)


def test_not_a_module_is_a_type_error() -> None:
    with pytest.raises(TypeError, match="module must be an nn.Module, got dict"):
        get_state_dict({"a": torch.zeros(1)})  # type: ignore[arg-type]


def test_module_and_prefix_are_checked():
    with pytest.raises(TypeError, match=r"prefix must be a str, got NoneType: None"):
        get_state_dict(nn.Linear(2, 2), prefix=None)  # type: ignore[arg-type]

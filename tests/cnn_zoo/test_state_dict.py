"""load_state_dict: one report of every mismatch, and never a half-loaded module."""

from __future__ import annotations

import logging

import pytest
import torch
from torch import nn

from cnn_zoo import LoadReport, StateDictMismatchError, load_state_dict


def net(width: int = 4) -> nn.Module:
    return nn.Sequential(nn.Conv2d(3, width, 1), nn.BatchNorm2d(width), nn.Flatten(), nn.Linear(width, 2))


def test_exact_match_copies_every_tensor():
    source, target = net(), net()
    report = load_state_dict(target, source.state_dict(), strict=True)
    assert report.ok
    for key, value in source.state_dict().items():
        assert torch.equal(target.state_dict()[key], value), key


def test_report_lists_missing_unexpected_and_mismatched_together(caplog):
    source = net().state_dict()
    source["extra.weight"] = torch.zeros(1)
    del source["3.bias"]
    source["0.weight"] = torch.zeros(5, 3, 1, 1)
    target = net()
    before = {k: v.clone() for k, v in target.state_dict().items()}
    with caplog.at_level(logging.WARNING, logger="cnn_zoo"):
        report = load_state_dict(target, source)
    assert report.missing_keys == ["3.bias"]
    assert report.unexpected_keys == ["extra.weight"]
    assert report.mismatched == [("0.weight", (5, 3, 1, 1), (4, 3, 1, 1))]
    text = str(report)
    assert "missing keys" in text and "3.bias" in text
    assert "unexpected keys" in text and "extra.weight" in text
    assert "0.weight: state dict has (5, 3, 1, 1), module has (4, 3, 1, 1)" in text
    assert text in caplog.text
    # The mis-shaped tensor is untouched, the ones that fit are loaded.
    assert torch.equal(target.state_dict()["0.weight"], before["0.weight"])
    assert torch.equal(target.state_dict()["3.weight"], source["3.weight"])


def test_strict_raises_before_copying_anything():
    source = net().state_dict()
    source["3.weight"] = torch.zeros(2, 7)
    target = net()
    before = {k: v.clone() for k, v in target.state_dict().items()}
    with pytest.raises(StateDictMismatchError, match=r"shape mismatch for 3.weight") as info:
        load_state_dict(target, source, strict=True)
    assert isinstance(info.value.report, LoadReport)
    for key, value in target.state_dict().items():
        assert torch.equal(value, before[key]), f"{key} was modified by a failed strict load"


def test_num_batches_tracked_is_ignored():
    source = net().state_dict()
    del source["1.num_batches_tracked"]
    report = load_state_dict(net(), source, strict=True)
    assert report.ok


def test_logger_argument_receives_the_report(caplog):
    logger = logging.getLogger("my.training")
    with caplog.at_level(logging.WARNING, logger="my.training"):
        load_state_dict(nn.Linear(2, 2), {"bogus": torch.zeros(1)}, logger=logger)
    assert [r.name for r in caplog.records] == ["my.training"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(module="not a module", state_dict={}), "module must be a torch.nn.Module"),
        (dict(module=nn.Linear(1, 1), state_dict=[1]), "state_dict must be a mapping"),
        (dict(module=nn.Linear(1, 1), state_dict={}, strict="yes"), "strict must be a bool"),
        (dict(module=nn.Linear(1, 1), state_dict={"weight": 3}), r"state_dict\['weight'\] must be a tensor"),
    ],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(TypeError, match=match):
        load_state_dict(**kwargs)


def test_a_report_of_a_full_match_says_so():
    report = load_state_dict(nn.Linear(2, 2), nn.Linear(2, 2).state_dict())
    assert report.ok
    assert str(report) == "the state dict matches Linear exactly"

"""Config: mmengine's Config methods over load_config, dump_config, format_config and apply_overrides."""

from __future__ import annotations

import copy
import pickle
from pathlib import Path

import pytest

from cnn_registry import Config, ConfigDict, OverrideError, load_config


def _file(tmp_path: Path) -> Path:
    path = tmp_path / "r50.py"
    path.write_text("model = dict(type='ResNet', depth=50, stages=[dict(k=1), dict(k=2)])\nlr = 0.1\n")
    return path


def test_fromfile_is_load_config_as_a_config(tmp_path: Path) -> None:
    cfg = Config.fromfile(_file(tmp_path))
    assert isinstance(cfg, Config) and isinstance(cfg, ConfigDict) and isinstance(cfg, dict)
    assert cfg == load_config(_file(tmp_path))
    assert cfg.model.stages[1].k == 2


def test_merge_from_dict_applies_overrides_in_place(tmp_path: Path) -> None:
    cfg = Config.fromfile(_file(tmp_path))
    cfg.merge_from_dict({"model.depth": 101, "model.stages.0.k": 7, "optimizer.type": "SGD"})
    assert (cfg.model.depth, cfg.model.stages[0].k, cfg.optimizer.type) == (101, 7, "SGD")
    assert isinstance(cfg, Config)
    with pytest.raises(OverrideError, match="index 5 is out of range"):
        cfg.merge_from_dict({"model.stages.5.k": 1})
    assert cfg.model.stages[0].k == 7  # a failed merge changes nothing


def test_pretty_text_and_dump_round_trip(tmp_path: Path) -> None:
    cfg = Config.fromfile(_file(tmp_path))
    assert cfg.dump() == cfg.pretty_text
    assert cfg.pretty_text.startswith("model = dict(type='ResNet', depth=50,")
    for suffix in (".py", ".json"):
        assert cfg.dump(tmp_path / f"out{suffix}") is None
        assert Config.fromfile(tmp_path / f"out{suffix}") == cfg


def test_copies_stay_config() -> None:
    cfg = Config(model={"depth": 50})
    for clone in (cfg.copy(), copy.deepcopy(cfg), pickle.loads(pickle.dumps(cfg))):
        assert type(clone) is Config and clone == cfg

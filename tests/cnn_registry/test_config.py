"""Config files: every format, _base_ inheritance, _delete_, and their errors."""

from __future__ import annotations

import builtins
import importlib.util
import json
import sys
from pathlib import Path

import pytest

from cnn_registry import ConfigError, load_config, merge_configs

BASE = {"model": {"type": "ResNet", "depth": 50, "norm_cfg": {"type": "BN", "requires_grad": True}}, "lr": 0.1}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_json_python_and_toml_give_the_same_dict(tmp_path: Path) -> None:
    write(tmp_path / "a.json", json.dumps(BASE))
    write(
        tmp_path / "a.py",
        "import math\n_hidden = 1\ndef helper():\n    pass\n"
        "model = dict(type='ResNet', depth=50, norm_cfg=dict(type='BN', requires_grad=True))\nlr = 0.1\n",
    )
    if sys.version_info >= (3, 11) or importlib.util.find_spec("tomli"):  # tomli: the [toml] extra on 3.10
        write(
            tmp_path / "a.toml",
            'lr = 0.1\n[model]\ntype = "ResNet"\ndepth = 50\n[model.norm_cfg]\ntype = "BN"\nrequires_grad = true\n',
        )
        assert load_config(tmp_path / "a.toml") == BASE
    assert load_config(tmp_path / "a.json") == BASE
    assert load_config(str(tmp_path / "a.py")) == BASE


def test_yaml(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    write(
        tmp_path / "a.yaml",
        "model:\n  type: ResNet\n  depth: 50\n  norm_cfg: {type: BN, requires_grad: true}\nlr: 0.1\n",
    )
    assert load_config(tmp_path / "a.yaml") == BASE


def test_yaml_without_pyyaml_names_the_install_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_yaml(name: str, *args: object, **kwargs: object) -> object:
        if name == "yaml":
            raise ModuleNotFoundError("No module named 'yaml'")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_yaml)
    write(tmp_path / "a.yml", "a: 1\n")
    with pytest.raises(ImportError, match=r"pip install 'cnn-registry\[yaml\]'"):
        load_config(tmp_path / "a.yml")


def test_base_chain_merges_in_order_and_keeps_inputs(tmp_path: Path) -> None:
    write(tmp_path / "base/model.json", json.dumps(BASE))
    write(tmp_path / "base/schedule.py", "lr = 0.2\nepochs = 12\n")
    write(
        tmp_path / "exp/r101.py",
        "_base_ = ['../base/model.json', '../base/schedule.py']\nmodel = dict(depth=101)\n",
    )
    assert load_config(tmp_path / "exp/r101.py") == {
        "model": {"type": "ResNet", "depth": 101, "norm_cfg": {"type": "BN", "requires_grad": True}},
        "lr": 0.2,
        "epochs": 12,
    }


def test_delete_replaces_instead_of_merging(tmp_path: Path) -> None:
    write(tmp_path / "base.json", json.dumps(BASE))
    write(
        tmp_path / "gn.json",
        json.dumps({"_base_": "base.json", "model": {"norm_cfg": {"_delete_": True, "type": "GN", "num_groups": 32}}}),
    )
    assert load_config(tmp_path / "gn.json")["model"]["norm_cfg"] == {"type": "GN", "num_groups": 32}


def test_merge_configs_does_not_modify_inputs() -> None:
    base = json.loads(json.dumps(BASE))
    override = {"model": {"depth": 18}}
    merged = merge_configs(base, override)
    assert merged["model"]["depth"] == 18
    assert base == BASE and override == {"model": {"depth": 18}}
    merged["model"]["norm_cfg"]["type"] = "SyncBN"
    assert base["model"]["norm_cfg"]["type"] == "BN"


def test_a_base_cycle_is_reported(tmp_path: Path) -> None:
    write(tmp_path / "a.json", json.dumps({"_base_": "b.json"}))
    write(tmp_path / "b.json", json.dumps({"_base_": "a.json"}))
    with pytest.raises(ConfigError, match=r"_base_ files form a cycle: .*a\.json -> .*b\.json -> .*a\.json"):
        load_config(tmp_path / "a.json")


def test_missing_base_names_the_file_that_asked(tmp_path: Path) -> None:
    write(tmp_path / "a.json", json.dumps({"_base_": "nope.json"}))
    with pytest.raises(FileNotFoundError, match=r"nope\.json.*a _base_ of .*a\.json"):
        load_config(tmp_path / "a.json")


def test_malformed_json_names_file_line_and_column(tmp_path: Path) -> None:
    write(tmp_path / "bad.json", '{\n  "a": 1,\n  "b": }\n')
    with pytest.raises(ConfigError, match=r"bad\.json: invalid JSON at line 3, column 8"):
        load_config(tmp_path / "bad.json")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("x.ini", "a=1", "unsupported config suffix '.ini'"),
        ("x.json", "[1, 2]", "the top level must be a mapping"),
        ("x.json", json.dumps({"_base_": 3}), "_base_ must be a path or a list of paths"),
        ("x.py", "raise ValueError('oops')", "cannot parse .py config: ValueError: oops"),
    ],
)
def test_bad_files(tmp_path: Path, name: str, text: str, message: str) -> None:
    write(tmp_path / name, text)
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path / name)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_config(tmp_path / "absent.json")

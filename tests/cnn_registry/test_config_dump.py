"""dump_config and format_config: .py, .json and .yaml that load back, and a readable pretty print."""

from __future__ import annotations

import builtins
import math
from pathlib import Path

import pytest

from cnn_registry import ConfigError, dump_config, format_config, load_config

CFG = {
    "model": {
        "type": "ImageClassifier",
        "backbone": {"type": "ResNet", "depth": 50, "out_indices": (3,), "norm_cfg": {"type": "BN"}},
        "init_cfg": [{"type": "Kaiming", "layer": "Conv2d"}, {"type": "Constant", "val": 1, "layer": ["_BatchNorm"]}],
    },
    "odd": {"with space": 1, "class": 2, 3: "int key"},
    "lr": 0.1,
    "flag": None,
    "text": 'it\'s "quoted"\nand multi-line',
}


def test_py_round_trip_keeps_tuples_and_every_value(tmp_path: Path) -> None:
    path = dump_config(CFG, tmp_path / "out.py")
    assert load_config(path) == CFG
    assert load_config(path).model.backbone.out_indices == (3,)


@pytest.mark.parametrize("suffix", [".json", ".yaml", ".yml"])
def test_json_and_yaml_round_trip_with_tuples_as_lists(tmp_path: Path, suffix: str) -> None:
    if suffix != ".json":
        pytest.importorskip("yaml")
    cfg = {k: v for k, v in CFG.items() if k not in ("model", "odd")}  # JSON keys are strings
    cfg["model"] = {"out_indices": (0, 1), "nested": [{"a": 1}]}
    loaded = load_config(dump_config(cfg, tmp_path / f"out{suffix}"))
    assert loaded == {**cfg, "model": {"out_indices": [0, 1], "nested": [{"a": 1}]}}


def test_special_floats_survive_a_py_dump(tmp_path: Path) -> None:
    loaded = load_config(dump_config({"a": math.inf, "b": -math.inf, "c": math.nan}, tmp_path / "f.py"))
    assert loaded["a"] == math.inf and loaded["b"] == -math.inf and math.isnan(loaded["c"])


def test_pretty_print_breaks_long_values_one_item_per_line() -> None:
    text = format_config(CFG)
    assert text.startswith("model = dict(\n    type='ImageClassifier',\n")
    assert "    backbone=dict(type='ResNet', depth=50, out_indices=(3,), norm_cfg=dict(type='BN')),\n" in text
    assert "\nodd = {'with space': 1, 'class': 2, 3: 'int key'}\n" in text  # keys that are not names
    assert "\nlr = 0.1\nflag = None\n" in text
    assert all(len(line) <= 100 for line in text.splitlines())


def test_pretty_print_shows_non_literals_but_a_py_dump_refuses_them(tmp_path: Path) -> None:
    cfg = {"model": {"type": dict}}
    assert "type=<class 'dict'>" in format_config(cfg)
    with pytest.raises(ConfigError, match=r"model\.type is type <class 'dict'>, which a \.py config cannot hold"):
        dump_config(cfg, tmp_path / "bad.py")
    assert not (tmp_path / "bad.py").exists()


@pytest.mark.parametrize(
    ("cfg", "name", "message"),
    [
        ({"a b": 1}, "x.py", "top-level key 'a b' cannot be written as a .py config name"),
        ({"_private": 1}, "x.py", "starts with '_'"),
        ({"a": 1}, "x.toml", r"cannot dump a config as '\.toml'"),
        ({"a": object()}, "x.json", "cannot write .*x.json as JSON"),
        ({"a": object()}, "x.yaml", r"cannot write .*x.yaml as YAML: .*cannot represent an object"),
    ],
)
def test_what_cannot_be_dumped_is_a_config_error(tmp_path: Path, cfg: dict, name: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        dump_config(cfg, tmp_path / name)


def test_yaml_dump_without_pyyaml_names_the_install_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def no_yaml(name: str, *args: object, **kwargs: object) -> object:
        if name == "yaml":
            raise ModuleNotFoundError("No module named 'yaml'")
        return real_import(name, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(builtins, "__import__", no_yaml)
    with pytest.raises(ImportError, match=r"writing .*out\.yaml needs PyYAML: pip install 'cnn-registry\[yaml\]'"):
        dump_config({"a": 1}, tmp_path / "out.yaml")


def test_a_key_python_would_normalise_is_written_as_a_string(tmp_path):
    # Python reads the name `º` as `o` (NFKC); a dict key must survive the round trip unchanged
    path = dump_config({"a": {"º": None, "b": 1}}, tmp_path / "cfg.py")
    assert load_config(path).to_dict() == {"a": {"º": None, "b": 1}}
    with pytest.raises(ConfigError, match="cannot be written as a .py config name"):
        dump_config({"ﬁ": 1}, tmp_path / "top.py")


def test_only_a_dict_can_be_dumped(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match=r"cfg must be a dict, got list: \[\('a', 1\)\]"):
        dump_config([("a", 1)], tmp_path / "x.json")  # type: ignore[arg-type]
    assert not (tmp_path / "x.json").exists()

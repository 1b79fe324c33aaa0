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
        ("x.py", "a = (", "cannot parse .py config: SyntaxError: '\\(' was never closed"),
        ("x.py", "return 1", "cannot parse .py config: SyntaxError: 'return' outside function"),
        ("x.py", "def f():\n    return f()\nf()\n", "running the .py config recursed too deeply"),
        ("x.yaml", "1: one\n", "top-level keys must be strings, got 1"),
    ],
)
def test_bad_files(tmp_path: Path, name: str, text: str, message: str) -> None:
    write(tmp_path / name, text)
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path / name)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_config(tmp_path / "absent.json")


def test_load_config_gives_attribute_access_on_a_dict_subclass(tmp_path: Path) -> None:
    write(tmp_path / "a.json", json.dumps({**BASE, "stages": [{"k": 1}, [{"deep": True}]]}))
    cfg = load_config(tmp_path / "a.json")
    assert isinstance(cfg, dict) and cfg == {**BASE, "stages": [{"k": 1}, [{"deep": True}]]}
    assert cfg.model.norm_cfg.type == "BN"
    assert cfg.stages[0].k == 1 and cfg.stages[1][0].deep is True
    assert json.loads(json.dumps(cfg)) == cfg  # plain-dict code keeps working


@pytest.mark.parametrize(
    ("base_text", "child_text"),
    [
        ('{"_delete_": false, "model": {"depth": 50}}', '{"_base_": "base.json", "model": {"_delete_": false}}'),
        ('{"model": {"_delete_": true, "depth": 50}}', '{"_base_": "base.json", "_delete_": false, "lr": 1}'),
        ('{"model": {"depth": 50, "x": 1}}', '{"_base_": "base.json", "model": {"_delete_": false, "depth": 101}}'),
    ],
)
def test_delete_markers_never_leak_into_the_result(tmp_path: Path, base_text: str, child_text: str) -> None:
    write(tmp_path / "base.json", base_text)
    write(tmp_path / "child.json", child_text)
    text = json.dumps(load_config(tmp_path / "child.json"))
    assert "_delete_" not in text


def test_delete_false_merges_and_top_level_delete_replaces_everything() -> None:
    base = {"model": {"depth": 50, "x": 1}, "lr": 0.1}
    assert merge_configs(base, {"model": {"_delete_": False, "depth": 101}}) == {
        "model": {"depth": 101, "x": 1},
        "lr": 0.1,
    }
    assert merge_configs(base, {"_delete_": True, "lr": 0.2}) == {"lr": 0.2}
    assert merge_configs(base, {"_delete_": False, "lr": 0.2}) == {"model": {"depth": 50, "x": 1}, "lr": 0.2}


def test_base_references_in_json_yaml_and_python(tmp_path: Path) -> None:
    write(tmp_path / "base.py", "model = dict(type='ResNet', depth=50, stages=[dict(k=3)])\nlr = 0.1\n")
    write(
        tmp_path / "child.json",
        '{"_base_": "base.py", "backbone": {{_base_.model}}, "k": "{{ _base_.model.stages.0.k }}", "lr": 0.5}',
    )
    cfg = load_config(tmp_path / "child.json")
    assert cfg.backbone == {"type": "ResNet", "depth": 50, "stages": [{"k": 3}]}
    assert cfg.k == 3 and cfg.lr == 0.5
    cfg.backbone.depth = 101
    assert cfg.model.depth == 50  # a copy, not the base's object
    write(tmp_path / "child.py", "_base_ = './base.py'\nlr = {{_base_.lr}} * 2\n")
    assert load_config(tmp_path / "child.py").lr == 0.2
    pytest.importorskip("yaml")
    write(tmp_path / "child.yaml", "_base_: base.py\ndepth: {{_base_.model.depth}}\nquoted: '{{_base_.lr}}'\n")
    assert load_config(tmp_path / "child.yaml") == {**load_config(tmp_path / "base.py"), "depth": 50, "quoted": 0.1}


def test_base_variables_in_python_configs(tmp_path: Path) -> None:
    write(tmp_path / "base.json", json.dumps(BASE))
    write(
        tmp_path / "child.py",
        "_base_ = ['base.json']\n"
        "model = dict(depth=_base_.model.depth * 2, norm_cfg=_base_['model']['norm_cfg'])\n"
        "lr = _base_.lr / 10\n",
    )
    cfg = load_config(tmp_path / "child.py")
    assert cfg.model.depth == 100 and cfg.lr == pytest.approx(0.01)
    assert cfg.model.norm_cfg == BASE["model"]["norm_cfg"]
    assert "_base_" not in cfg


@pytest.mark.parametrize(
    ("child", "message"),
    [
        ('{"_base_": "base.json", "x": {{_base_.model.nope}}}', r"refers to 'nope', which _base_\.model does not have"),
        ('{"x": {{_base_.lr}}}', r"\{\{_base_\.lr\}\} is used, but the file has no _base_"),
        ('{"_base_": "base.json", "x": {{_base_.model.depth.0}}}', "which _base_.model.depth does not have"),
    ],
)
def test_bad_base_references_name_the_reference(tmp_path: Path, child: str, message: str) -> None:
    write(tmp_path / "base.json", json.dumps(BASE))
    write(tmp_path / "child.json", child)
    with pytest.raises(ConfigError, match=message):
        load_config(tmp_path / "child.json")


def test_a_python_reference_without_bases_names_it(tmp_path: Path) -> None:
    write(tmp_path / "alone.py", "lr = {{_base_.optimizer.lr}} * 2\n")
    with pytest.raises(ConfigError, match=r"alone\.py: \{\{_base_\.optimizer\.lr\}\} is used, but the file has no"):
        load_config(tmp_path / "alone.py")


def test_python_base_must_be_a_literal(tmp_path: Path) -> None:
    write(tmp_path / "child.py", "import os\n_base_ = os.path.join('a', 'b.py')\n")
    with pytest.raises(ConfigError, match=r"child\.py, line 2: _base_ must be a literal"):
        load_config(tmp_path / "child.py")


def test_package_bases(tmp_path: Path, make_module: object) -> None:
    package = tmp_path / "pkg_with_configs"
    write(package / "__init__.py", "")
    write(package / "configs/base.py", "model = dict(type='ResNet', depth=50)\n")
    write(package / ".mim/configs/mim_only.json", '{"lr": 0.3}')
    write(
        tmp_path / "exp.py",
        "_base_ = ['pkg_with_configs::configs/base.py', 'pkg_with_configs::configs/mim_only.json']\n",
    )
    sys.path.insert(0, str(tmp_path))
    try:
        assert load_config(tmp_path / "exp.py") == {"model": {"type": "ResNet", "depth": 50}, "lr": 0.3}
        assert load_config("pkg_with_configs::configs/base.py").model.depth == 50
        write(tmp_path / "missing.py", "_base_ = 'pkg_with_configs::configs/nope.py'\n")
        with pytest.raises(FileNotFoundError, match=r"'configs/nope.py' is not in the package 'pkg_with_configs'"):
            load_config(tmp_path / "missing.py")
        write(tmp_path / "absent.py", "_base_ = 'no_such_package_xyz::configs/a.py'\n")
        with pytest.raises(ConfigError, match="the package 'no_such_package_xyz' is not installed"):
            load_config(tmp_path / "absent.py")
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("pkg_with_configs", None)


def test_python_config_that_exits_is_a_config_error(tmp_path: Path) -> None:
    write(tmp_path / "exits.py", "import sys\nsys.exit('usage: train.py')\n")
    with pytest.raises(ConfigError, match="cannot parse .py config: SystemExit: usage: train.py"):
        load_config(tmp_path / "exits.py")


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("self.json", None),  # written below: a JSON nested deeper than the parser can go
        ("self.py", "a = []\na.append(a)\n"),
        ("self.yaml", "a: &x [*x]\n"),
        ("map.yaml", "a: &x {b: *x}\n"),
    ],
)
def test_self_referring_or_too_deep_configs_are_config_errors(tmp_path: Path, name: str, text: str | None) -> None:
    if name.endswith(".yaml"):
        pytest.importorskip("yaml")
    write(tmp_path / name, text if text is not None else "[" * 100_000 + "]" * 100_000)
    with pytest.raises(ConfigError, match="refers to itself|recursive alias|nested too deeply|top level"):
        load_config(tmp_path / name)


def test_a_yaml_alias_bomb_is_refused_before_it_expands(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 10)}]" for i in range(1, 12)]  # 10**12 values
    write(tmp_path / "bomb.yaml", "\n".join(lines) + "\n")
    with pytest.raises(ConfigError, match="expands to more than 100000 values through aliases"):
        load_config(tmp_path / "bomb.yaml")


def test_shared_yaml_aliases_within_the_limit_load(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    write(tmp_path / "ok.yaml", "norm: &norm {type: BN}\na: {norm_cfg: *norm}\nb: {norm_cfg: *norm}\n")
    cfg = load_config(tmp_path / "ok.yaml")
    assert cfg.a.norm_cfg == cfg.b.norm_cfg == {"type": "BN"}
    cfg.a.norm_cfg.type = "GN"
    assert cfg.b.norm_cfg.type == "BN"  # aliases do not share objects after loading


def test_non_utf8_config_names_the_file(tmp_path: Path) -> None:
    (tmp_path / "latin.json").write_bytes('{"a": "caf\xe9"}'.encode("latin-1"))
    with pytest.raises(ConfigError, match=r"latin\.json: not UTF-8 text"):
        load_config(tmp_path / "latin.json")


def test_yaml_reads_mmengine_tuples_but_no_other_python_tag(tmp_path: Path) -> None:
    pytest.importorskip("yaml")
    write(tmp_path / "tuples.yaml", "out_indices: !!python/tuple\n- 0\n- 3\n")
    assert load_config(tmp_path / "tuples.yaml") == {"out_indices": (0, 3)}
    marker = tmp_path / "ran"
    write(tmp_path / "evil.yaml", f"x: !!python/object/apply:os.mkdir ['{marker}']\n")
    with pytest.raises(ConfigError, match="could not determine a constructor"):
        load_config(tmp_path / "evil.yaml")
    assert not marker.exists()


@pytest.mark.parametrize("suffix", [".py", ".json"])
def test_file_variables_are_replaced_as_in_mmengine(tmp_path: Path, suffix: str) -> None:
    body = {
        "work_dir": "./work_dirs/{{ fileBasenameNoExtension }}",
        "folder": "{{fileDirname}}",
        "name": "{{fileBasename}}",
        "ext": "{{fileExtname}}",
    }
    text = json.dumps(body) if suffix == ".json" else "".join(f"{k} = {v!r}\n" for k, v in body.items())
    path = write(tmp_path / f"r50_8xb32{suffix}", text)
    assert load_config(path) == {
        "work_dir": "./work_dirs/r50_8xb32",
        "folder": str(tmp_path),
        "name": f"r50_8xb32{suffix}",
        "ext": suffix,
    }


def test_a_directory_is_named_as_one(tmp_path: Path) -> None:
    (tmp_path / "configs.json").mkdir()
    with pytest.raises(ConfigError, match=r"configs\.json' is a directory"):
        load_config(tmp_path / "configs.json")


def test_an_interrupt_while_a_python_config_runs_is_not_swallowed(tmp_path: Path) -> None:
    write(tmp_path / "interrupted.py", "raise KeyboardInterrupt\n")
    with pytest.raises(KeyboardInterrupt):
        load_config(tmp_path / "interrupted.py")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("not a package::configs/a.py", r"'not a package' is not a package name; expected 'package::path/to/file'"),
        ("no_such_package_xyz.sub::configs/a.py", r"the package 'no_such_package_xyz.sub' is not installed"),
    ],
)
def test_a_bad_package_path_names_the_package(spec: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(spec)


def test_the_path_must_be_a_string_or_path() -> None:
    with pytest.raises(TypeError, match="path must be a str or os.PathLike, got int: 3"):
        load_config(3)  # type: ignore[arg-type]


def test_base_references_inside_lists_and_tuples_and_to_tuples(tmp_path: Path) -> None:
    write(tmp_path / "base.py", "lr = 0.1\nout_indices = (0, [1, 2])\n")
    write(
        tmp_path / "child.json",
        '{"_base_": "base.py", "lrs": [{{_base_.lr}}, 1], "indices": {{_base_.out_indices}}, '
        '"again": {"indices": {{_base_.out_indices}}}}',
    )
    cfg = load_config(tmp_path / "child.json")
    assert cfg.lrs == [0.1, 1]
    assert cfg.indices == cfg.again.indices == (0, [1, 2])
    cfg.indices[1].append(3)
    assert cfg.out_indices == cfg.again.indices == (0, [1, 2])  # each reference is a copy, not the base's list
    write(tmp_path / "child.yaml", "_base_: base.py\nsizes: !!python/tuple [{{_base_.lr}}, 2]\n")
    assert load_config(tmp_path / "child.yaml").sizes == (0.1, 2)

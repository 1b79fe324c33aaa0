"""Properties of the config loader, merge and dump: only the documented errors come out, inputs never change."""

from __future__ import annotations

import copy
import importlib.util
import json
import keyword
import os
import sys
import tempfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnn_registry import ConfigError, dump_config, load_config, merge_configs

PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])
HAS_YAML = importlib.util.find_spec("yaml") is not None
HAS_TOML = sys.version_info >= (3, 11) or importlib.util.find_spec("tomli") is not None

keys = st.text(min_size=1, max_size=6) | st.sampled_from(["_delete_", "_base_", "type", "a"])
# No subnormal floats: code compiled with -ffast-math (inductor's C++ kernels, loaded by another test in
# the same process) flushes them to zero for the whole process, and hypothesis then refuses to draw them.
scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_subnormal=False) | st.text(max_size=8)
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(keys, inner, max_size=3),
    max_leaves=12,
)
configs = st.dictionaries(keys, values, max_size=4)
names = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(lambda n: not keyword.iskeyword(n))
py_values = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=5) | st.integers(), inner, max_size=3)
    ),
    max_leaves=12,
)


def _has_delete(value: object) -> bool:
    if isinstance(value, dict):
        return "_delete_" in value or any(_has_delete(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(_has_delete(v) for v in value)
    return False


@PROPERTY
@given(configs, configs)
def test_merge_never_modifies_its_inputs_and_leaves_no_delete_marker(base: dict, override: dict) -> None:
    before = copy.deepcopy((base, override))
    merged = merge_configs(base, override)
    assert (base, override) == before
    assert not _has_delete(merged)


@PROPERTY
@given(st.text(max_size=200), st.sampled_from([".json", ".yaml", ".toml"]))
def test_any_text_loads_or_raises_config_error_and_the_file_is_unchanged(text: str, suffix: str) -> None:
    if (suffix == ".yaml" and not HAS_YAML) or (suffix == ".toml" and not HAS_TOML):
        pytest.skip(f"no parser for {suffix} here")
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, f"cfg{suffix}")
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        with open(path, "rb") as f:
            before = f.read()
        try:
            cfg = load_config(path)
        except (ConfigError, FileNotFoundError):
            pass  # FileNotFoundError: a _base_ the text names
        else:
            assert isinstance(cfg, dict) and "_base_" not in cfg
        with open(path, "rb") as f:
            assert f.read() == before


@PROPERTY
@given(st.dictionaries(names, py_values, max_size=4))
def test_a_py_dump_loads_back_equal(cfg: dict) -> None:
    with tempfile.TemporaryDirectory() as folder:
        before = copy.deepcopy(cfg)
        assert load_config(dump_config(cfg, os.path.join(folder, "cfg.py"))) == cfg
        assert cfg == before


@PROPERTY
@given(st.dictionaries(names, values, max_size=4))
def test_json_configs_load_as_written_without_markers(cfg: dict) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "cfg.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(cfg, f)
        try:
            loaded = load_config(path)
        except (ConfigError, FileNotFoundError):
            return  # a generated _base_ value that names no file, or that is not a path
        assert not _has_delete(loaded)

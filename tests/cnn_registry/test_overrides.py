"""Dotted overrides, the argparse action, and properties of the parser."""

from __future__ import annotations

import argparse
import copy

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cnn_registry import OverrideAction, OverrideError, apply_overrides, parse_override, parse_value

CFG = {
    "model": {"backbone": {"type": "ResNet", "depth": 50, "out_indices": (0, 1, 2, 3)}},
    "stages": [{"k": 1}, {"k": 2}],
}


@pytest.mark.parametrize(
    ("override", "path", "value"),
    [
        ("model.backbone.depth=101", ["model", "backbone", "depth"], 101),
        ("a.b=[1,2]", ["a", "b"], [1, 2]),
        ("x.type=GN", ["x", "type"], "GN"),
        ("list.0.k=v", ["list", "0", "k"], "v"),
        ("lr=1e-3", ["lr"], 0.001),
        ("flag=True", ["flag"], True),
        ("none=None", ["none"], None),
        ("s='101'", ["s"], "101"),
        ("t=(1,)", ["t"], (1,)),
        ("d={'type': 'BN'}", ["d"], {"type": "BN"}),
        ("expr=__import__('os').system('x')", ["expr"], "__import__('os').system('x')"),  # never evaluated
        ("eq=a=b", ["eq"], "a=b"),
        (" spaced = 3 ", ["spaced"], 3),
    ],
)
def test_parse_override(override: str, path: list[str], value: object) -> None:
    assert parse_override(override) == (path, value)


def test_apply_overrides_walks_dicts_and_lists_without_touching_the_input() -> None:
    before = copy.deepcopy(CFG)
    result = apply_overrides(CFG, ["model.backbone.depth=101", "stages.1.k=[3]", "stages.-1.new=x", "extra.a.b=1"])
    assert result["model"]["backbone"]["depth"] == 101
    assert result["stages"] == [{"k": 1}, {"k": [3], "new": "x"}]
    assert result["extra"] == {"a": {"b": 1}}
    assert CFG == before


def test_apply_overrides_accepts_what_the_action_collects() -> None:
    assert apply_overrides(CFG, {"model.backbone.type": "ResNeXt"})["model"]["backbone"]["type"] == "ResNeXt"


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ("model.backbone.depth.x=1", r"'model.backbone.depth' is int 50, which has no key 'x'"),
        ("stages.5.k=1", r"index 5 is out of range for 'stages', a list of length 2"),
        ("stages.first.k=1", r"'stages' is a list, so 'first' must be an integer index"),
        ("model.backbone.out_indices.0=1", r"is tuple \(0, 1, 2, 3\), which has no key '0'"),
        ("no_equals_sign", r"has no '='"),
        ("a..b=1", r"key path 'a..b' has an empty segment"),
        ("stages.\u00b2.k=1", r"'stages' is a list, so '\u00b2' must be an integer index"),  # superscript two
        ("stages.\u1371=1", r"'stages' is a list, so '\u1371' must be an integer index"),  # Ethiopic digit nine
        ("stages.\u0661=1", r"'stages' is a list, so '\u0661' must be an integer index"),  # Arabic-Indic one
        ("stages.--1=1", r"'stages' is a list, so '--1' must be an integer index"),
        ("=1", r"key path '' has an empty segment"),
    ],
)
def test_bad_overrides_name_the_override_and_the_problem(override: str, message: str) -> None:
    with pytest.raises(OverrideError, match=message) as info:
        apply_overrides(CFG, [override])
    assert isinstance(info.value, ValueError)


def test_overrides_must_be_a_list_not_a_string() -> None:
    with pytest.raises(OverrideError, match="got the string"):
        apply_overrides(CFG, "a=1")


def test_argparse_action_collects_and_reports_errors(capsys: pytest.CaptureFixture[str]) -> None:
    parser = argparse.ArgumentParser(prog="cnn")
    parser.add_argument("--cfg-options", nargs="+", action=OverrideAction, default={})
    args = parser.parse_args(["--cfg-options", "a.b=1", "c=GN", "--cfg-options", "a.b=2"])
    assert args.cfg_options == {"a.b": 2, "c": "GN"}
    with pytest.raises(SystemExit):
        parser.parse_args(["--cfg-options", "oops"])
    assert "--cfg-options: override 'oops' has no '='" in capsys.readouterr().err


@given(st.text())
def test_parse_override_returns_or_raises_its_own_error(text: str) -> None:
    try:
        path, _ = parse_override(text)
    except OverrideError:
        return
    assert path and all(path)


@given(st.text())
def test_parse_value_never_raises(text: str) -> None:
    parse_value(text)


@given(st.lists(st.text(), max_size=4))
def test_apply_overrides_returns_or_raises_its_own_error(overrides: list[str]) -> None:
    before = copy.deepcopy(CFG)
    try:
        result = apply_overrides(CFG, overrides)
    except OverrideError:
        pass
    else:
        assert isinstance(result, dict)
    assert CFG == before


@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False, allow_subnormal=False)
        | st.text(),
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
        max_leaves=10,
    )
)
def test_literals_round_trip_through_repr(value: object) -> None:
    assert parse_value(repr(value)) == value or (isinstance(value, str) and value != value.strip())


DIGIT_LIKE = st.characters(categories=("Nd", "No")) | st.sampled_from("-+ 0123456789")
SEGMENTS = st.text(DIGIT_LIKE, min_size=1, max_size=4) | st.text(min_size=1).filter(lambda s: not set(s) & set(".="))


@settings(deadline=None)
@given(SEGMENTS)
def test_any_list_index_text_applies_or_raises_override_error(index: str) -> None:
    """Digits of every script (Unicode categories Nd and No) and signs, as list indexes."""
    before = copy.deepcopy(CFG)
    try:
        result = apply_overrides(CFG, [f"stages.{index}.k=1"])
    except OverrideError:
        pass
    else:
        assert result["stages"][int(index.strip())]["k"] == 1
    assert CFG == before


def test_an_override_may_replace_a_list_item() -> None:
    cfg = apply_overrides(CFG, ["stages.-1={'k': 7}", "stages.0.k=5"])
    assert cfg["stages"] == [{"k": 5}, {"k": 7}]
    assert CFG["stages"] == [{"k": 1}, {"k": 2}]


@pytest.mark.parametrize("key", ["", "a..b", 3])
def test_a_bad_key_in_a_mapping_of_overrides_is_named(key: object) -> None:
    with pytest.raises(OverrideError, match=rf"override key {key!r} must be a dotted path"):
        apply_overrides(CFG, {key: 1})


def test_an_override_must_be_a_string() -> None:
    with pytest.raises(OverrideError, match=r"override must be a string 'key.path=value', got int: 3"):
        parse_override(3)  # type: ignore[arg-type]

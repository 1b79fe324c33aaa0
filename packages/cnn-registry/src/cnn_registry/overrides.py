"""Dotted overrides from the command line: ``model.backbone.depth=101``.

A key path walks nested dicts by key and lists by integer index
(``list.0.k=v``, ASCII digits only). A value is read with `ast.literal_eval` (never
``eval``): ``101``, ``[1, 2]``, ``(3,)``, ``None``, ``'text'``; anything that
is not a Python literal stays a string (``x.type=GN``).

>>> cfg = {'model': {'backbone': {'type': 'ResNet', 'depth': 50}}, 'stages': [{'k': 1}]}
>>> apply_overrides(cfg, ['model.backbone.depth=101', 'stages.0.k=[1,2]', 'model.backbone.type=ResNeXt'])
{'model': {'backbone': {'type': 'ResNeXt', 'depth': 101}}, 'stages': [{'k': [1, 2]}]}
>>> cfg['model']['backbone']['depth']  # the input is never modified
50
"""

from __future__ import annotations

from .build import copy_containers
from .config import ConfigError
from .config_dict import ConfigDict

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any


class OverrideError(ConfigError):
    """An override that is malformed or whose key path does not fit the config."""


def parse_value(text: str) -> Any:
    """``text`` as a Python literal if it is one, else ``text`` itself.

    >>> parse_value('[1, 2]'), parse_value('GN'), parse_value('1e-3'), parse_value("'5'")
    ([1, 2], 'GN', 0.001, '5')
    """
    import ast

    stripped = text.strip()
    try:
        return ast.literal_eval(stripped)
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return stripped


def parse_override(text: str) -> tuple[list[str], Any]:
    """Split ``'a.b.0=value'`` into its key path and parsed value.

    Raises:
        OverrideError: no ``=``, or an empty key or key segment.

    >>> parse_override('model.backbone.depth=101')
    (['model', 'backbone', 'depth'], 101)
    """
    if not isinstance(text, str):
        raise OverrideError(f"override must be a string 'key.path=value', got {type(text).__name__}: {text!r}")
    key, sep, value = text.partition("=")
    if not sep:
        raise OverrideError(f"override {text!r} has no '=': expected 'key.path=value', e.g. model.depth=101")
    path = key.strip().split(".")
    if any(not part for part in path):
        raise OverrideError(f"override {text!r}: key path {key.strip()!r} has an empty segment")
    return path, parse_value(value)


def apply_overrides(cfg: Mapping[str, Any], overrides: Mapping[str, Any] | Iterable[str]) -> dict[str, Any]:
    """A copy of ``cfg`` with each override applied; ``cfg`` is left unchanged.

    ``overrides`` is a list of ``'key.path=value'`` strings, or a mapping of
    key paths to already-parsed values (what `OverrideAction` collects).
    Missing dict keys along a path are created; walking into a value that is
    neither a dict nor a list, or past a list's end, is an `OverrideError`
    naming the override and the offending part of its path.
    """
    result: dict[str, Any] = copy_containers(cfg)
    if isinstance(cfg, ConfigDict):
        result = ConfigDict(result)
    if isinstance(overrides, str):
        raise OverrideError(
            f"overrides must be a list of 'key.path=value' strings or a mapping, got the string {overrides!r}"
        )
    if hasattr(overrides, "items"):
        pairs = [(_split_key(k), v, f"{k}={v!r}") for k, v in overrides.items()]
    else:
        pairs = [(*parse_override(text), text) for text in overrides]
    for path, value, text in pairs:
        _set(result, path, copy_containers(value), text)
    return result


def _split_key(key: str) -> list[str]:
    if not isinstance(key, str) or not key or any(not part for part in key.split(".")):
        raise OverrideError(f"override key {key!r} must be a dotted path such as 'model.backbone.depth'")
    return key.split(".")


def _set(cfg: dict[str, Any], path: list[str], value: Any, text: str) -> None:
    node: Any = cfg
    for depth, part in enumerate(path):
        last = depth == len(path) - 1
        where = ".".join(path[:depth]) or "<root>"
        if isinstance(node, dict):
            if last:
                node[part] = value
            else:
                node = node.setdefault(part, {})
        elif isinstance(node, list):
            digits = part[1:] if part.startswith("-") else part
            if not (digits.isascii() and digits.isdigit()):
                raise OverrideError(
                    f"override {text!r}: {where!r} is a list, so {part!r} must be an integer index "
                    "(ASCII digits, optionally after '-')"
                )
            index = int(part)
            if not -len(node) <= index < len(node):
                raise OverrideError(
                    f"override {text!r}: index {index} is out of range for {where!r}, a list of length {len(node)}"
                )
            if last:
                node[index] = value
            else:
                node = node[index]
        else:
            raise OverrideError(
                f"override {text!r}: {where!r} is {type(node).__name__} {node!r}, which has no key {part!r}"
            )

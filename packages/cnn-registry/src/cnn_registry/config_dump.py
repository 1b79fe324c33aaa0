"""Write a config back to ``.py``, ``.json`` or ``.yaml``, and print it readably.

`format_config` gives the text of a ``.py`` config (``key = dict(...)``
lines, long values broken one item per line); `dump_config` writes a file
in the format its suffix names. Loading what was dumped gives the config
back (``.json`` and ``.yaml`` turn tuples into lists).

>>> print(format_config({'model': {'type': 'ResNet', 'depth': 50, 'out_indices': (0, 1)}, 'lr': 0.1}))
model = dict(type='ResNet', depth=50, out_indices=(0, 1))
lr = 0.1
<BLANKLINE>
"""

from __future__ import annotations

import os

from .config import ConfigError
from .config_dict import to_plain

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

WIDTH = 100
INDENT = "    "
DUMP_SUFFIXES = (".py", ".json", ".yaml", ".yml")


def format_config(cfg: Mapping[str, Any], *, strict: bool = False) -> str:
    """``cfg`` as the text of a ``.py`` config.

    With ``strict=False`` (for printing) a value that is not a Python literal
    is shown by its ``repr``; with ``strict=True`` (for writing a file that
    loads back) it is a `ConfigError` naming its key path.

    Raises:
        ConfigError: a top-level key that is not a Python identifier, or
            (strict) a value that is not a literal.
    """
    lines = []
    for key, value in cfg.items():
        if not _is_name(key):
            raise ConfigError(f"top-level key {key!r} cannot be written as a .py config name; it must be an identifier")
        if strict and key.startswith("_"):
            raise ConfigError(f"top-level key {key!r} starts with '_', which a .py config treats as private")
        lines.append(f"{key} = {_format(value, 0, len(key) + 3, strict, key)}")
    return "\n".join(lines) + "\n"


def dump_config(cfg: Mapping[str, Any], path: str | os.PathLike[str]) -> str:
    """Write ``cfg`` to ``path`` in the format of its suffix (``.py``, ``.json``, ``.yaml``/``.yml``); returns the path.

    Raises:
        ConfigError: another suffix, or a value the format cannot hold.
        ImportError: ``.yaml`` without PyYAML (the message names the ``pip install`` line).
    """
    if not isinstance(cfg, dict):
        raise TypeError(f"cfg must be a dict, got {type(cfg).__name__}: {cfg!r}")
    target = os.fspath(path)
    suffix = os.path.splitext(target)[1].lower()
    if suffix == ".py":
        text = format_config(cfg, strict=True)
    elif suffix == ".json":
        import json

        try:
            text = json.dumps(_lists(to_plain(cfg)), indent=2, ensure_ascii=False) + "\n"
        except (TypeError, ValueError) as exc:
            raise ConfigError(f"cannot write {target} as JSON: {exc}") from None
    elif suffix in (".yaml", ".yml"):
        try:
            import yaml
        except ModuleNotFoundError:
            raise ImportError(f"writing {target} needs PyYAML: pip install 'cnn-registry[yaml]'") from None
        try:
            text = yaml.safe_dump(_lists(to_plain(cfg)), sort_keys=False, allow_unicode=True)
        except yaml.YAMLError as exc:
            raise ConfigError(f"cannot write {target} as YAML: {exc}") from None
    else:
        raise ConfigError(f"{target}: cannot dump a config as {suffix!r}; expected one of {', '.join(DUMP_SUFFIXES)}")
    with open(target, "w", encoding="utf-8") as f:
        f.write(text)
    return target


def _is_name(key: object) -> bool:
    """A key that reads back as itself when written as a Python name.

    Python normalises names to NFKC, so ``º`` written as a name loads back as ``o``.
    """
    import keyword
    import unicodedata

    return (
        isinstance(key, str)
        and key.isidentifier()
        and not keyword.iskeyword(key)
        and unicodedata.normalize("NFKC", key) == key
    )


def _lists(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _lists(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_lists(v) for v in value]
    return value


def _format(value: Any, depth: int, lead: int, strict: bool, where: str) -> str:
    """``value`` on one line if it fits after ``lead`` characters (and a comma), else one item per line."""
    inline = _inline(value, strict, where)
    if lead + len(inline) + 1 <= WIDTH or not isinstance(value, (dict, list, tuple)) or not value:
        return inline
    pad, inner = INDENT * depth, INDENT * (depth + 1)
    if isinstance(value, dict):
        named = all(_is_name(k) for k in value)
        keys = [f"{k}=" if named else f"{k!r}: " for k in value]
        items = [
            key + _format(v, depth + 1, len(inner) + len(key), strict, f"{where}.{k}")
            for key, (k, v) in zip(keys, value.items(), strict=True)
        ]
        opening, closing = ("dict(", ")") if named else ("{", "}")
    else:
        items = [_format(v, depth + 1, len(inner), strict, f"{where}.{i}") for i, v in enumerate(value)]
        opening, closing = ("[", "]") if isinstance(value, list) else ("(", ")")
    return opening + "\n" + "".join(f"{inner}{item},\n" for item in items) + pad + closing


def _inline(value: Any, strict: bool, where: str) -> str:
    if value is None or isinstance(value, (bool, int, str)):
        return repr(value)
    if isinstance(value, float):
        return (
            repr(value) if value == value and value not in (float("inf"), float("-inf")) else f"float({str(value)!r})"
        )
    if isinstance(value, dict):
        if all(_is_name(k) for k in value):
            return "dict(" + ", ".join(f"{k}={_inline(v, strict, f'{where}.{k}')}" for k, v in value.items()) + ")"
        return "{" + ", ".join(f"{k!r}: {_inline(v, strict, f'{where}.{k}')}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_inline(v, strict, f"{where}.{i}") for i, v in enumerate(value)) + "]"
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        items = [_inline(v, strict, f"{where}.{i}") for i, v in enumerate(value)]
        return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
    if strict:
        raise ConfigError(
            f"{where} is {type(value).__name__} {value!r}, which a .py config cannot hold as a literal; "
            "replace it with its registered name or a plain value"
        )
    return repr(value)

"""Config files: ``.py``, ``.json``, ``.toml`` and ``.yaml``, with ``_base_`` inheritance.

A config is a plain ``dict`` (nested dicts and lists), ready for
``Registry.build``. A file may name base files in ``_base_`` (a path or a
list of paths, relative to the file); their contents are merged first, in
order, then the file's own keys are merged over them. A dict holding
``_delete_=True`` replaces the inherited dict instead of merging into it.

>>> import json, os, tempfile
>>> folder = tempfile.mkdtemp()
>>> with open(os.path.join(folder, 'base.json'), 'w') as f:
...     json.dump({'model': {'type': 'ResNet', 'depth': 50, 'norm_cfg': {'type': 'BN'}}}, f)
>>> with open(os.path.join(folder, 'gn.json'), 'w') as f:
...     json.dump({'_base_': 'base.json',
...                'model': {'depth': 101, 'norm_cfg': {'_delete_': True, 'type': 'GN', 'num_groups': 32}}}, f)
>>> load_config(os.path.join(folder, 'gn.json'))
{'model': {'type': 'ResNet', 'depth': 101, 'norm_cfg': {'type': 'GN', 'num_groups': 32}}}
"""

from __future__ import annotations

import os

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

BASE_KEY = "_base_"
DELETE_KEY = "_delete_"
SUFFIXES = (".py", ".json", ".toml", ".yaml", ".yml")


class ConfigError(ValueError):
    """A config file, key path or override value that cannot be used; the message names it."""


def load_config(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a config file, resolving ``_base_`` files and ``_delete_`` markers.

    Raises:
        FileNotFoundError: the file (or a base file) does not exist.
        ConfigError: unknown suffix, unreadable content, an inheritance cycle,
            or a file whose top level is not a mapping.
    """
    return _load(os.path.abspath(os.fspath(path)), chain=())


def merge_configs(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """``override`` merged into ``base``, recursively; neither input is modified.

    Nested dicts merge key by key; any other value replaces. A dict in
    ``override`` with ``_delete_=True`` replaces the one in ``base``.

    >>> merge_configs({'a': {'x': 1, 'y': 2}}, {'a': {'y': 3}})
    {'a': {'x': 1, 'y': 3}}
    >>> merge_configs({'a': {'x': 1, 'y': 2}}, {'a': {'_delete_': True, 'y': 3}})
    {'a': {'y': 3}}
    """
    merged: dict[str, Any] = {k: _strip_delete(v) for k, v in base.items()}
    for key, value in override.items():
        if isinstance(value, dict) and not value.get(DELETE_KEY, False) and isinstance(merged.get(key), dict):
            merged[key] = merge_configs(merged[key], value)
        else:
            merged[key] = _strip_delete(value)
    return merged


def _strip_delete(value: Any) -> Any:
    """A copy of ``value`` with every ``_delete_`` marker removed."""
    if isinstance(value, dict):
        return {k: _strip_delete(v) for k, v in value.items() if k != DELETE_KEY}
    if isinstance(value, list):
        return [_strip_delete(v) for v in value]
    return value


def _load(path: str, chain: tuple[str, ...]) -> dict[str, Any]:
    if path in chain:
        cycle = " -> ".join([*chain, path])
        raise ConfigError(f"_base_ files form a cycle: {cycle}")
    if not os.path.isfile(path):
        where = f" (a _base_ of {chain[-1]})" if chain else ""
        raise FileNotFoundError(f"config file {path!r}{where} does not exist")
    content = _read(path)
    bases = content.pop(BASE_KEY, [])
    if isinstance(bases, str):
        bases = [bases]
    if not isinstance(bases, (list, tuple)) or not all(isinstance(b, str) for b in bases):
        raise ConfigError(f"{path}: _base_ must be a path or a list of paths, got {bases!r}")
    merged: dict[str, Any] = {}
    folder = os.path.dirname(path)
    for base in bases:
        base_path = os.path.normpath(os.path.join(folder, os.path.expanduser(base)))
        merged = merge_configs(merged, _load(base_path, (*chain, path)))
    return merge_configs(merged, content)


def _read(path: str) -> dict[str, Any]:
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in SUFFIXES:
        raise ConfigError(f"{path}: unsupported config suffix {suffix!r}; expected one of {', '.join(SUFFIXES)}")
    try:
        content = _PARSERS[suffix](path)
    except (ConfigError, ImportError):
        raise
    except Exception as exc:
        raise ConfigError(f"{path}: cannot parse {suffix} config: {type(exc).__name__}: {exc}") from exc
    if not isinstance(content, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of names to values, got {type(content).__name__}")
    return content


def _read_python(path: str) -> dict[str, Any]:
    """Run a ``.py`` config; its public top-level names (and ``_base_``) are the config."""
    import runpy
    import types

    namespace = runpy.run_path(path)
    return {
        key: value
        for key, value in namespace.items()
        if (key == BASE_KEY or not key.startswith("_"))
        and not isinstance(value, (types.ModuleType, types.FunctionType, type))
    }


def _read_json(path: str) -> Any:
    import json

    with open(path, encoding="utf-8") as f:
        try:
            return json.load(f)
        except json.JSONDecodeError as exc:
            raise ConfigError(f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc


def _read_toml(path: str) -> Any:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        try:
            import tomli as tomllib
        except ModuleNotFoundError:
            raise ImportError(f"reading {path} needs Python 3.11+ or tomli: pip install 'cnn-registry[toml]'") from None
    with open(path, "rb") as f:
        return tomllib.load(f)


def _read_yaml(path: str) -> Any:
    try:
        import yaml
    except ModuleNotFoundError:
        raise ImportError(f"reading {path} needs PyYAML: pip install 'cnn-registry[yaml]'") from None
    with open(path, encoding="utf-8") as f:
        return yaml.safe_load(f)


_PARSERS = {
    ".py": _read_python,
    ".json": _read_json,
    ".toml": _read_toml,
    ".yaml": _read_yaml,
    ".yml": _read_yaml,
}

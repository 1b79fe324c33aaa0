"""Config files: ``.py``, ``.json``, ``.toml`` and ``.yaml``, with ``_base_`` inheritance.

A config is a `ConfigDict` (a ``dict`` whose keys are also attributes),
ready for ``Registry.build``. A file may name base files in ``_base_`` (a
path or a list of paths, relative to the file, or ``'package::path'`` inside
an installed package); their contents are merged first, in order, then the
file's own keys are merged over them. A dict holding ``_delete_=True``
replaces the inherited dict instead of merging into it.

A value written ``{{_base_.model.depth}}`` (any format) is replaced by that
value of the merged bases, and ``{{fileDirname}}``, ``{{fileBasename}}``,
``{{fileBasenameNoExtension}}`` and ``{{fileExtname}}`` by the parts of the
file's path, as in mmengine; a ``.py`` config may also use ``_base_`` as a
variable (``depth = _base_.model.depth * 2``). A ``.py`` config runs as
Python: load only the ones you trust.

>>> import json, os, tempfile
>>> folder = tempfile.mkdtemp()
>>> with open(os.path.join(folder, 'base.json'), 'w') as f:
...     json.dump({'model': {'type': 'ResNet', 'depth': 50, 'norm_cfg': {'type': 'BN'}}}, f)
>>> with open(os.path.join(folder, 'gn.json'), 'w') as f:
...     json.dump({'_base_': 'base.json',
...                'model': {'depth': 101, 'norm_cfg': {'_delete_': True, 'type': 'GN', 'num_groups': 32}}}, f)
>>> cfg = load_config(os.path.join(folder, 'gn.json'))
>>> cfg
{'model': {'type': 'ResNet', 'depth': 101, 'norm_cfg': {'type': 'GN', 'num_groups': 32}}}
>>> cfg.model.norm_cfg.num_groups
32
"""

from __future__ import annotations

import os

from .config_dict import ConfigDict, to_config_dict

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping
    from typing import Any

BASE_KEY = "_base_"
DELETE_KEY = "_delete_"
SUFFIXES = (".py", ".json", ".toml", ".yaml", ".yml")
PACKAGE_SEPARATOR = "::"
MAX_YAML_NODES = 100_000
"""A YAML document whose aliases expand to more nodes than this is refused (an alias bomb)."""


class ConfigError(ValueError):
    """A config file, key path or override value that cannot be used; the message names it."""


def load_config(path: str | os.PathLike[str]) -> ConfigDict:
    """Read a config file, resolving ``_base_`` files, ``{{_base_.key}}`` references and ``_delete_`` markers.

    ``path`` may also be ``'package::path/inside/it.py'``.

    Raises:
        FileNotFoundError: the file (or a base file) does not exist.
        ConfigError: unknown suffix, unreadable content, an inheritance cycle,
            a reference to a missing base key, a file whose top level is not a
            mapping, or content nested too deeply or referring to itself.
        ImportError: a ``.yaml`` file without PyYAML, or ``.toml`` on Python
            3.10 without tomli (the message names the ``pip install`` line).
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}: {path!r}")
    text = os.fspath(path)
    resolved = _package_path(text, None) if PACKAGE_SEPARATOR in text else os.path.abspath(text)
    try:
        return ConfigDict(_load(resolved, chain=()))
    except RecursionError:
        raise ConfigError(f"{resolved}: the config is nested too deeply or refers to itself") from None


def merge_configs(base: Mapping[str, Any], override: Mapping[str, Any]) -> ConfigDict:
    """``override`` merged into ``base``, recursively; neither input is modified.

    Nested dicts merge key by key; any other value replaces. A dict in
    ``override`` with ``_delete_=True`` (at any level, the top included)
    replaces the one in ``base``. No ``_delete_`` key is left in the result.

    >>> merge_configs({'a': {'x': 1, 'y': 2}}, {'a': {'y': 3}})
    {'a': {'x': 1, 'y': 3}}
    >>> merge_configs({'a': {'x': 1, 'y': 2}}, {'a': {'_delete_': True, 'y': 3}})
    {'a': {'y': 3}}
    """
    return ConfigDict(_merge(base, override))


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    if override.get(DELETE_KEY, False):
        return {k: _strip_delete(v) for k, v in override.items() if k != DELETE_KEY}
    merged: dict[str, Any] = {k: _strip_delete(v) for k, v in base.items() if k != DELETE_KEY}
    for key, value in override.items():
        if key == DELETE_KEY:
            continue
        if isinstance(value, dict) and not value.get(DELETE_KEY, False) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = _strip_delete(value)
    return merged


def _strip_delete(value: Any) -> Any:
    """A copy of ``value`` with every ``_delete_`` marker removed."""
    if isinstance(value, dict):
        return {k: _strip_delete(v) for k, v in value.items() if k != DELETE_KEY}
    if isinstance(value, list):
        return [_strip_delete(v) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(_strip_delete(v) for v in value)
    return value


def _package_path(spec: str, asked_by: str | None) -> str:
    """``'package::path'`` as a file inside the installed package (or its ``.mim`` folder, as OpenMMLab ships)."""
    package, _, inner = spec.partition(PACKAGE_SEPARATOR)
    where = f" (a _base_ of {asked_by})" if asked_by else ""
    if not package.isidentifier() and not all(p.isidentifier() for p in package.split(".")):
        raise ConfigError(f"{spec!r}{where}: {package!r} is not a package name; expected 'package::path/to/file'")
    import importlib.util

    try:
        spec_found = importlib.util.find_spec(package)
    except (ImportError, ValueError):
        spec_found = None
    if spec_found is None or not spec_found.submodule_search_locations:
        raise ConfigError(f"{spec!r}{where}: the package {package!r} is not installed (or is not a package)")
    for folder in spec_found.submodule_search_locations:
        for candidate in (os.path.join(folder, inner), os.path.join(folder, ".mim", inner)):
            if os.path.isfile(candidate):
                return os.path.normpath(candidate)
    folders = ", ".join(spec_found.submodule_search_locations)
    raise FileNotFoundError(f"config file {inner!r} is not in the package {package!r} ({folders}){where}")


def _load(path: str, chain: tuple[str, ...]) -> dict[str, Any]:
    if path in chain:
        cycle = " -> ".join([*chain, path])
        raise ConfigError(f"_base_ files form a cycle: {cycle}")
    where = f" (a _base_ of {chain[-1]})" if chain else ""
    if os.path.isdir(path):
        raise ConfigError(f"config file {path!r}{where} is a directory; give the path of a file in it")
    if not os.path.isfile(path):
        raise FileNotFoundError(f"config file {path!r}{where} does not exist")
    suffix = os.path.splitext(path)[1].lower()
    if suffix not in SUFFIXES:
        raise ConfigError(f"{path}: unsupported config suffix {suffix!r}; expected one of {', '.join(SUFFIXES)}")
    from .config_refs import BaseReferences

    refs = BaseReferences(path)
    source = refs.substitute(_file_variables(path, _read_text(path)), python=suffix == ".py")
    if suffix == ".py":
        bases, code = _python_config(path, source)
        refs.check_bases(bool(bases))
        merged = _load_bases(path, bases, chain)
        content = _read_python(path, code, to_config_dict(merged))
    else:
        content = _parse(path, suffix, source)
        bases = _bases_of(path, content.pop(BASE_KEY, []))
        merged = _load_bases(path, bases, chain)
    content = refs.resolve(content, merged, bool(bases))
    return _merge(merged, content)


def _file_variables(path: str, text: str) -> str:
    """``text`` with mmengine's ``{{fileDirname}}``, ``{{fileBasename}}``,
    ``{{fileBasenameNoExtension}}`` and ``{{fileExtname}}`` replaced by ``path``'s parts."""
    if "{{" not in text:
        return text
    import re

    base = os.path.basename(path)
    values = {
        "fileDirname": os.path.dirname(path).replace("\\", "/"),
        "fileBasename": base,
        "fileBasenameNoExtension": os.path.splitext(base)[0],
        "fileExtname": os.path.splitext(base)[1],
    }
    pattern = r"\{\{\s*(" + "|".join(values) + r")\s*\}\}"
    return re.sub(pattern, lambda m: values[m.group(1)], text)


def _bases_of(path: str, bases: Any) -> list[str]:
    if isinstance(bases, str):
        bases = [bases]
    if not isinstance(bases, (list, tuple)) or not all(isinstance(b, str) for b in bases):
        raise ConfigError(f"{path}: _base_ must be a path or a list of paths, got {bases!r}")
    return list(bases)


def _load_bases(path: str, bases: list[str], chain: tuple[str, ...]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    folder = os.path.dirname(path)
    for base in bases:
        if PACKAGE_SEPARATOR in base:
            base_path = _package_path(base, path)
        else:
            base_path = os.path.normpath(os.path.join(folder, os.path.expanduser(base)))
        merged = _merge(merged, _load(base_path, (*chain, path)))
    return merged


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read the file: {exc.strerror or exc}") from None


def _parse(path: str, suffix: str, source: str) -> dict[str, Any]:
    try:
        content = _PARSERS[suffix](path, source)
    except (ConfigError, ImportError):
        raise
    except RecursionError:
        raise ConfigError(f"{path}: the {suffix} config is nested too deeply or refers to itself") from None
    except Exception as exc:
        raise ConfigError(f"{path}: cannot parse {suffix} config: {type(exc).__name__}: {exc}") from exc
    return _top_level(path, content)


def _top_level(path: str, content: Any) -> dict[str, Any]:
    if not isinstance(content, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of names to values, got {type(content).__name__}")
    bad = [k for k in content if not isinstance(k, str)]
    if bad:
        raise ConfigError(f"{path}: top-level keys must be strings, got {bad[0]!r}")
    return content


def _python_config(path: str, source: str) -> tuple[list[str], Any]:
    """The ``_base_`` of a ``.py`` config, read without running it (it must be a literal), and its code.

    The code is compiled without the ``_base_ = ...`` assignment, so that
    ``_base_`` stays bound to the merged bases while the config runs.
    """
    import ast

    try:
        tree = ast.parse(source, filename=path)
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        raise ConfigError(f"{path}: cannot parse .py config: {type(exc).__name__}: {exc}") from None
    bases: list[str] = []
    body = []
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == BASE_KEY for t in node.targets):
            try:
                bases = _bases_of(path, ast.literal_eval(node.value))
            except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
                raise ConfigError(
                    f"{path}, line {node.lineno}: _base_ must be a literal path or list of paths"
                ) from None
        else:
            body.append(node)
    tree.body = body
    try:
        return bases, compile(tree, path, "exec")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        raise ConfigError(f"{path}: cannot parse .py config: {type(exc).__name__}: {exc}") from None


def _read_python(path: str, code: Any, base: ConfigDict) -> dict[str, Any]:
    """Run a ``.py`` config with ``_base_`` bound to its merged bases; its public top-level names are the config."""
    import types

    namespace: dict[str, Any] = {"__file__": path, "__name__": "__cnn_config__", BASE_KEY: base}
    try:
        exec(code, namespace)  # a .py config is a program, as documented
    except KeyboardInterrupt:
        raise
    except RecursionError:
        raise ConfigError(f"{path}: running the .py config recursed too deeply") from None
    except BaseException as exc:  # SystemExit from a config is a broken config, not an exit
        raise ConfigError(f"{path}: cannot parse .py config: {type(exc).__name__}: {exc}") from exc
    return {
        key: value
        for key, value in namespace.items()
        if not key.startswith("_") and not isinstance(value, (types.ModuleType, types.FunctionType, type))
    }


def _read_json(path: str, source: str) -> Any:
    import json

    try:
        return json.loads(source)
    except json.JSONDecodeError as exc:
        raise ConfigError(f"{path}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from exc


def _read_toml(path: str, source: str) -> Any:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        try:
            import tomli as tomllib
        except ModuleNotFoundError:
            raise ImportError(f"reading {path} needs Python 3.11+ or tomli: pip install 'cnn-registry[toml]'") from None
    return tomllib.loads(source)


def _read_yaml(path: str, source: str) -> Any:
    from .config_yaml import load_yaml

    return load_yaml(path, source, max_nodes=MAX_YAML_NODES)


_PARSERS = {
    ".json": _read_json,
    ".toml": _read_toml,
    ".yaml": _read_yaml,
    ".yml": _read_yaml,
}

"""Catalogs: JSON files mapping checkpoint names to URLs or paths.

Three catalogs ship inside the package (``catalogs/*.json``):

* ``open-mmlab``: the OpenMMLab checkpoints mmcv/mmengine resolve for
  ``open-mmlab://NAME`` (also spelt ``openmmlab://``), plus deprecated aliases;
* ``torchvision``: every torchvision classification weight, under the legacy
  ``model_urls`` names (``resnet50``) and the weights-enum names
  (``resnet50.imagenet1k_v2``, ``resnet50.default``);
* ``mmcls``: the mmclassification backbones that ``mmcls://NAME`` resolves.

A user file ``<zoo home>/<catalog>.json`` is merged over the shipped one, the
user's entry winning; for ``open-mmlab``, ``$MMCV_HOME/open_mmlab.json`` is read
too (below the cnn-zoo file). A value that is not a URL is a path relative to
the directory of the file that declares it.
"""

from __future__ import annotations

import difflib
import json
import os
import warnings
from importlib import resources
from pathlib import Path

from .errors import CatalogError, UnknownCheckpointError
from .home import env_directory, zoo_home

CATALOG_NAMES = ("open-mmlab", "torchvision", "mmcls")
SCHEME_CATALOGS = {
    "open-mmlab": "open-mmlab",
    "openmmlab": "open-mmlab",
    "torchvision": "torchvision",
    "modelzoo": "torchvision",
    "mmcls": "mmcls",
}


def read_catalog_file(path: str | os.PathLike[str]) -> dict[str, str]:
    """Parse one catalog file: a JSON object of names to URLs or paths.

    Raises:
        CatalogError: invalid JSON (with the line and column), anything but an
            object of strings to strings, text that is not UTF-8, or a directory.
        FileNotFoundError: no such file.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), 'open-mmlab.json')
    >>> _ = open(path, 'w').write('{"model_b": "pretrain/model_b_ab3ef2c.pth"}')
    >>> read_catalog_file(path)
    {'model_b': 'pretrain/model_b_ab3ef2c.pth'}
    """
    path = Path(path).expanduser()
    if path.is_dir():
        raise CatalogError(f"catalog {str(path)!r} is a directory; a catalog is a JSON file of names to URLs")
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogError(
            f"catalog {str(path)!r} is not UTF-8 text (byte {exc.start}: {exc.reason}); save it as UTF-8 JSON"
        ) from None
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise CatalogError(f"catalog {str(path)!r} cannot be read: {exc.strerror or exc}") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogError(
            f"catalog {str(path)!r} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc
    if not isinstance(data, dict):
        raise CatalogError(f"catalog {str(path)!r} must hold a JSON object of names to URLs, got {type(data).__name__}")
    for name, value in data.items():
        if not isinstance(value, str) or not value:
            raise CatalogError(
                f"catalog {str(path)!r}: the value of {name!r} must be a URL or a path string, got {value!r}"
            )
    return data


def _shipped(name: str) -> dict[str, str]:
    source = resources.files("cnn_zoo") / "catalogs" / f"{name}.json"
    with resources.as_file(source) as path:
        return read_catalog_file(path)


def _absolute(value: str, base: Path) -> str:
    """A catalog value as it is used: URLs and references unchanged, ``~`` expanded, paths made absolute."""
    if "://" in value:
        return value
    path = Path(value).expanduser()
    return str(path if path.is_absolute() else base / path)


def catalog_files(catalog: str) -> list[Path]:
    """The user files merged over the shipped ``catalog``, lowest priority first (existing or not).

    >>> import os
    >>> os.environ['CNN_ZOO_HOME'] = '/srv/zoo'
    >>> [str(p) for p in catalog_files('torchvision')]
    ['/srv/zoo/torchvision.json']
    >>> del os.environ['CNN_ZOO_HOME']
    """
    if catalog not in CATALOG_NAMES:
        raise ValueError(f"catalog must be one of {', '.join(CATALOG_NAMES)}, got {catalog!r}")
    files = []
    mmcv_home = env_directory("MMCV_HOME") if catalog == "open-mmlab" else None
    if mmcv_home is not None:
        files.append(mmcv_home / "open_mmlab.json")
    files.append(zoo_home() / f"{catalog}.json")
    return files


def load_catalog(catalog: str) -> dict[str, str]:
    """The merged ``catalog``: shipped names, then each user file over them.

    Relative paths are made absolute against the directory of the file that names them.

    >>> load_catalog('torchvision')['resnet50']
    'https://download.pytorch.org/models/resnet50-0676ba61.pth'
    """
    files = catalog_files(catalog)
    merged = _shipped(catalog)
    for path in files:
        if path.exists():
            merged.update({k: _absolute(v, path.parent) for k, v in read_catalog_file(path).items()})
    return merged


def deprecated_names() -> dict[str, str]:
    """Deprecated ``open-mmlab`` names and the names that replaced them.

    >>> deprecated_names()['resnet50_caffe']
    'detectron/resnet50_caffe'
    """
    return _shipped("open-mmlab-deprecated")


def split_scheme(filename: str) -> tuple[str, str]:
    """``'scheme://rest'`` to ``('scheme', 'rest')``; ``('', filename)`` without a scheme.

    >>> split_scheme('open-mmlab://resnet50_v1c')
    ('open-mmlab', 'resnet50_v1c')
    >>> split_scheme('weights/r50.pth')
    ('', 'weights/r50.pth')
    """
    scheme, sep, rest = filename.partition("://")
    if not sep or not scheme or "/" in scheme or "\\" in scheme:
        return "", filename
    return scheme.lower(), rest


def resolve(filename: str) -> str:
    """Turn a catalog reference into the URL or local path it names; other strings pass through.

    ``open-mmlab://``, ``openmmlab://``, ``torchvision://``, ``modelzoo://`` (an old
    spelling of ``torchvision://``) and ``mmcls://`` are looked up in their catalog.
    An entry may name another catalog reference, which is followed in turn. A
    deprecated ``open-mmlab`` name warns (FutureWarning) and resolves to its
    replacement, unless a user catalog defines it.

    Raises:
        UnknownCheckpointError: the name is in no catalog; the message lists the
            closest names and the files searched.
        CatalogError: catalog entries refer to each other in a cycle; the message
            shows the chain.

    >>> resolve('torchvision://resnet50.imagenet1k_v2')
    'https://download.pytorch.org/models/resnet50-11ad3fa6.pth'
    >>> resolve('open-mmlab://resnet50_v1c')
    'https://download.openmmlab.com/pretrain/third_party/resnet50_v1c-2cccc1ad.pth'
    >>> resolve('https://example.com/w.pth')
    'https://example.com/w.pth'
    """
    if not isinstance(filename, str):
        raise TypeError(f"filename must be a string, got {type(filename).__name__}: {filename!r}")
    chain = [filename]
    seen: set[tuple[str, str]] = set()
    current = filename
    while True:
        scheme, name = split_scheme(current)
        if scheme not in SCHEME_CATALOGS:
            return current
        key = (SCHEME_CATALOGS[scheme], name)
        if key in seen:
            raise CatalogError(
                f"catalog entries refer to each other in a cycle: {' -> '.join(chain)}; "
                f"change one of them to a URL or a path (files searched: "
                f"{', '.join(str(p) for p in catalog_files(key[0]))})"
            )
        seen.add(key)
        current = _resolve_one(current, scheme, name)
        chain.append(current)


def _resolve_one(filename: str, scheme: str, name: str) -> str:
    catalog = SCHEME_CATALOGS[scheme]
    if scheme == "modelzoo":
        warnings.warn(
            f"the modelzoo:// scheme is deprecated; use torchvision://{name} instead", FutureWarning, stacklevel=3
        )
    entries = load_catalog(catalog)
    if name not in entries and catalog == "open-mmlab":
        replacement = deprecated_names().get(name)
        if replacement is not None:
            warnings.warn(
                f"{scheme}://{name} is deprecated in favour of {scheme}://{replacement}", FutureWarning, stacklevel=3
            )
            name = replacement
    if name not in entries:
        near = difflib.get_close_matches(name, list(entries), n=5, cutoff=0.5)
        hint = f" Closest names: {', '.join(near)}." if near else ""
        searched = ", ".join(str(p) for p in catalog_files(catalog))
        raise UnknownCheckpointError(
            f"{filename!r}: {name!r} is not in the {catalog} catalog ({len(entries)} names; "
            f"`cnn-zoo list '{scheme}://*'` shows them).{hint} User catalogs searched: {searched}."
        )
    return entries[name]

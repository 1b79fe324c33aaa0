"""The rows of ``cnn-zoo list``: each catalog name with its architecture, source, hash and cache state.

>>> rows = catalog_rows('torchvision://resnet50')
>>> [(r.name, r.architecture, r.source, r.sha256) for r in rows]
[('torchvision://resnet50', 'resnet50', 'download.pytorch.org', '0676ba61')]
>>> print(render_table(rows).splitlines()[0])
name                    architecture  source                hash      cached
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .cache_name import cache_path, sha256_prefix
from .catalog import CATALOG_NAMES, load_catalog
from .home import cache_dir

COLUMNS = ("name", "architecture", "source", "hash", "cached")


@dataclass(frozen=True)
class CatalogRow:
    """One catalog entry as ``cnn-zoo list`` shows it."""

    name: str
    architecture: str
    source: str
    sha256: str | None
    cached: bool
    url: str

    def as_dict(self) -> dict[str, Any]:
        """The row as JSON-ready data."""
        return asdict(self)


def architecture_of(catalog: str, name: str) -> str:
    """The architecture a catalog name is for: its last path part, without torchvision's weight suffix.

    >>> architecture_of('torchvision', 'resnet50.imagenet1k_v2'), architecture_of('open-mmlab', 'msra/hrnetv2_w32')
    ('resnet50', 'hrnetv2_w32')
    >>> architecture_of('open-mmlab', 'regnetx_3.2gf')
    'regnetx_3.2gf'
    """
    last = name.rsplit("/", 1)[-1]
    return last.split(".", 1)[0] if catalog == "torchvision" else last


def _source(url: str) -> str:
    if "://" not in url:
        return "local file"
    parts = urlsplit(url)
    return parts.netloc or parts.scheme


def _is_cached(url: str, directory: Path) -> bool:
    if "://" not in url:
        return Path(url).expanduser().is_file()
    if not url.startswith(("http://", "https://")):
        return False
    return cache_path(url, directory).is_file()


def catalog_rows(
    pattern: str = "*",
    arch: str | None = None,
    cached: bool = False,
    directory: str | os.PathLike[str] | None = None,
) -> list[CatalogRow]:
    """Catalog entries matching ``pattern`` (a glob over ``catalog://name`` or the bare name).

    Args:
        pattern: e.g. ``'torchvision://resnet*'`` or ``'*hrnet*'``.
        arch: keep only entries whose architecture matches this glob (``'resnet50*'``).
        cached: keep only entries whose file is in the download cache (or, for a path, exists).
        directory: the download cache; default ``cnn_zoo.cache_dir``.
    """
    root = Path(directory).expanduser() if directory is not None else cache_dir()
    rows = []
    for catalog in CATALOG_NAMES:
        for name, url in sorted(load_catalog(catalog).items()):
            ref = f"{catalog}://{name}"
            if not (fnmatch.fnmatchcase(ref, pattern) or fnmatch.fnmatchcase(name, pattern)):
                continue
            architecture = architecture_of(catalog, name)
            if arch is not None and not fnmatch.fnmatchcase(architecture, arch):
                continue
            is_cached = _is_cached(url, root)
            if cached and not is_cached:
                continue
            file_name = url.rsplit("/", 1)[-1]
            rows.append(CatalogRow(ref, architecture, _source(url), sha256_prefix(file_name), is_cached, url))
    return rows


def render_table(rows: list[CatalogRow]) -> str:
    """A plain-text table with a header line; columns padded to their widest cell.

    >>> print(render_table([]))
    name  architecture  source  hash  cached
    """
    cells = [list(COLUMNS)] + [
        [r.name, r.architecture, r.source, r.sha256 or "-", "yes" if r.cached else "no"] for r in rows
    ]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells)

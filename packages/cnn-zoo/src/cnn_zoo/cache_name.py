"""Safe cache file names for URLs, and the SHA256 prefix a file name promises.

A checkpoint published as ``name-<sha256 prefix>.ext`` names part of its own
digest (at least 8 hex digits); a file whose name has none is stored but
unverified.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

_HASH_IN_NAME = re.compile(r"-([0-9a-fA-F]{8,64})((?:\.[A-Za-z0-9]+)+)$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def sha256_prefix(file_name: str) -> str | None:
    """The lower-case SHA256 prefix in ``name-<hex>.ext``, or None when the name has none.

    >>> sha256_prefix('resnet50-0676ba61.pth')
    '0676ba61'
    >>> sha256_prefix('mobilenet_v2.pth') is None
    True
    >>> sha256_prefix('short-abc123.pth') is None  # fewer than 8 hex digits
    True
    """
    match = _HASH_IN_NAME.search(file_name)
    return match.group(1).lower() if match else None


def file_sha256(path: str | os.PathLike[str], chunk_size: int = 1 << 20) -> str:
    """The full SHA256 hex digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def _clean(part: str) -> str:
    part = _UNSAFE.sub("_", part).strip("._-")
    return part


def cache_file_name(url: str) -> str:
    """The file name under which ``url`` is cached: the last path segment, made safe.

    The segment is percent-decoded first, so encoded slashes cannot smuggle in a
    directory; the query string and fragment are dropped; anything but letters,
    digits, ``.``, ``_`` and ``-`` becomes ``_``; leading dots are removed.

    >>> cache_file_name('https://download.pytorch.org/models/resnet50-0676ba61.pth?x=1')
    'resnet50-0676ba61.pth'
    >>> cache_file_name('http://evil.example/a/..%2F..%2F.bashrc')
    'bashrc'
    """
    if not isinstance(url, str):
        raise TypeError(f"url must be a string, got {type(url).__name__}: {url!r}")
    path = unquote(urlsplit(url).path)
    segment = re.split(r"[/\\]", path)[-1]
    name = _clean(segment)
    if not name:
        raise ValueError(
            f"url {url!r} does not end in a file name; expected e.g. https://host/models/name-1a2b3c4d.pth"
        )
    return name


def cache_path(url: str, directory: str | os.PathLike[str]) -> Path:
    """Where ``url`` is stored under ``directory``: ``<directory>/<host>/<file name>``.

    The host keeps two servers' ``model.pth`` apart. The result is checked to lie
    inside ``directory``.

    >>> cache_path('https://download.openmmlab.com/pretrain/third_party/vgg16_caffe-292e1171.pth', '/c').as_posix()
    '/c/download.openmmlab.com/vgg16_caffe-292e1171.pth'
    """
    root = Path(directory)
    host = _clean(urlsplit(url).hostname or "") or "local"
    path = root / host / cache_file_name(url)
    resolved_root = root.resolve()
    if not path.resolve().is_relative_to(resolved_root):
        raise ValueError(f"url {url!r} maps to {str(path)!r}, outside the cache directory {str(root)!r}")
    return path

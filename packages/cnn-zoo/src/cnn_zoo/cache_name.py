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


#: File names longer than this are shortened (keeping the SHA256 prefix and the extension),
#: so that the name plus the cache's own ``.part``/``.sha256``/``.lock`` files fit in 255 bytes.
MAX_NAME = 160
_MAX_DIR = 60


def _short_name(name: str) -> str:
    """``name`` cut to ``MAX_NAME`` characters, keeping its ``-<sha256>.ext`` tail."""
    if len(name) <= MAX_NAME:
        return name
    match = _HASH_IN_NAME.search(name)
    tail = match.group(0) if match else "".join(Path(name).suffixes[-2:])[-40:]
    return name[: MAX_NAME - len(tail)].rstrip("._-") + tail


def url_key(url: str) -> str:
    """A short hash of the whole URL (scheme, host, port, path and query; not the fragment).

    >>> url_key('http://h/a/model.pth') != url_key('http://h/b/model.pth')
    True
    >>> url_key('http://h/m.pth#frag') == url_key('http://h/m.pth')
    True
    """
    whole = urlsplit(url)._replace(fragment="").geturl()
    return hashlib.sha256(whole.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def cache_path(url: str, directory: str | os.PathLike[str]) -> Path:
    """Where ``url`` is stored: ``<directory>/<host>[_<port>]/<folders>-<url hash>/<file name>``.

    Every part of the URL (scheme, host, port, path, query) changes the short
    hash, so two URLs never share a cached file, while the host, the folders and
    the file name keep the cache readable. The result is checked to lie inside
    ``directory``.

    >>> url = 'https://download.openmmlab.com/pretrain/third_party/vgg16_caffe-292e1171.pth'
    >>> cache_path(url, '/c').as_posix()
    '/c/download.openmmlab.com/pretrain_third_party-9b85f9626112/vgg16_caffe-292e1171.pth'
    >>> cache_path('http://127.0.0.1:8000/w.pth', '/c').parent.parent.name
    '127.0.0.1_8000'
    """
    root = Path(directory)
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError as exc:
        raise ValueError(f"url {url!r} has an invalid port: {exc}") from None
    host = _clean(parts.hostname or "")[:_MAX_DIR] or "local"  # the URL hash keeps long hosts apart
    if port is not None:
        host += f"_{port}"
    folders = [_clean(s) for s in re.split(r"[/\\]", unquote(parts.path))[:-1]]
    folder = "_".join(f for f in folders if f)[:_MAX_DIR].strip("._-")
    key = url_key(url)
    path = root / host / (f"{folder}-{key}" if folder else key) / _short_name(cache_file_name(url))
    resolved_root = root.resolve()
    if not path.resolve().is_relative_to(resolved_root):
        raise ValueError(f"url {url!r} maps to {str(path)!r}, outside the cache directory {str(root)!r}")
    return path

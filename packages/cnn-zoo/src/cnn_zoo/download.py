"""The download cache: fetch a URL once, verify it, and share it between processes.

``download(url)`` returns the path of a verified local copy. The transfer goes to
``<file>.part`` in the cache directory and is renamed into place only after the
SHA256 prefix in the file name checks out; a file lock makes concurrent callers
(threads or processes) share one transfer; an interrupted transfer resumes with
an HTTP ``Range`` request; connection errors and 5xx answers are retried with
exponential backoff.
"""

from __future__ import annotations

import hashlib
import logging
import os
import queue
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

import requests
from filelock import FileLock

from .cache_name import cache_path, file_sha256, sha256_prefix
from .errors import ChecksumError, DownloadError, OfflineError
from .home import cache_dir, is_offline

_LOGGER = logging.getLogger("cnn_zoo")
_CHUNK = 1 << 20
#: Beside each verified file, ``<name>.sha256`` records its digest and the ``stat`` it had.
STAMP_SUFFIX = ".sha256"
_RETRYABLE = (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError)


class _RetryableStatusError(Exception):
    """A 5xx answer, retried like a dropped connection."""


def verify_file(path: str | os.PathLike[str], name: str | None = None, *, digest: str | None = None) -> str | None:
    """Check a file against the SHA256 prefix in its name (or in ``name``, e.g. for a ``.part`` file).

    Returns the verified prefix, or None when the name carries none (unverified).
    ``digest`` is the file's SHA256 when the caller already computed it.

    Raises:
        ChecksumError: the digest does not start with the prefix.

    >>> import hashlib, os, tempfile
    >>> data = b'weights'
    >>> name = f'w-{hashlib.sha256(data).hexdigest()[:8]}.pth'
    >>> path = os.path.join(tempfile.mkdtemp(), name)
    >>> _ = open(path, 'wb').write(data)
    >>> verify_file(path) == hashlib.sha256(data).hexdigest()[:8]
    True
    """
    path = Path(path)
    expected = sha256_prefix(path.name if name is None else name)
    if expected is None:
        return None
    actual = digest if digest is not None else file_sha256(path)
    if not actual.startswith(expected):
        raise ChecksumError(
            f"SHA256 of {str(path)!r} is {actual}, but its name promises a digest starting with {expected}",
            expected=expected,
            actual=actual,
        )
    return expected


def _show_progress(progress: bool | None) -> bool:
    if progress is None:
        return sys.stderr.isatty()
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be a bool or None (a bar only on a terminal), got {progress!r}")
    return progress


def download(
    url: str,
    directory: str | os.PathLike[str] | None = None,
    *,
    progress: bool | None = None,
    timeout: tuple[float, float] = (10.0, 60.0),
    retries: int = 4,
    backoff: float = 0.5,
) -> Path:
    """Return the path of a verified local copy of ``url``, downloading it if needed.

    Args:
        url: an ``http://`` or ``https://`` URL.
        directory: the cache directory; default :func:`~cnn_zoo.cache_dir`.
        progress: show a tqdm bar; None (default) shows one only when stderr is a terminal.
        timeout: ``(connect, read)`` timeouts in seconds for each request.
        retries: how many times a dropped connection or a 5xx answer is retried.
        backoff: the first retry waits this many seconds, each later one twice as long.

    Raises:
        ChecksumError: the downloaded bytes do not match the name's SHA256 prefix
            (the partial file is deleted).
        OfflineError: ``CNN_ZOO_OFFLINE`` is set and the file is not cached.
        DownloadError: a 4xx answer, or every retry failed.
    """
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ValueError(f"url must start with http:// or https://, got {url!r}")
    if not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be a non-negative int, got {retries!r}")
    show = _show_progress(progress)
    offline = is_offline()
    root = Path(directory) if directory is not None else cache_dir()
    target = cache_path(url, root)

    cached = _verified_or_none(target)
    if cached is not None:
        return cached
    if offline:
        raise OfflineError(
            f"{url} is not in the cache (expected at {str(target)!r}) and offline mode is on "
            f"(CNN_ZOO_OFFLINE={os.environ.get('CNN_ZOO_OFFLINE')}). Fetch it where the network is "
            f"available with `cnn-zoo download {url}` and copy {str(target)!r} here."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(target) + ".lock"):
        cached = _verified_or_none(target)  # another process may have finished meanwhile
        if cached is not None:
            return cached
        part = target.with_name(target.name + ".part")
        verified = sha256_prefix(target.name) is not None
        digest = _fetch(url, part, verified, show=show, timeout=timeout, retries=retries, backoff=backoff)
        if verified:
            try:
                verify_file(part, target.name, digest=digest)
            except ChecksumError:
                part.unlink(missing_ok=True)
                raise
        os.replace(part, target)
        if digest is not None:
            _write_stamp(target, digest)
    if sha256_prefix(target.name) is None:
        _LOGGER.warning("%s has no SHA256 prefix in its name; the cached copy %s is unverified", url, target)
    return target


def _stamp_path(target: Path) -> Path:
    return target.with_name(target.name + STAMP_SUFFIX)


def _signature(target: Path) -> str:
    st = target.stat()
    return f"{st.st_size} {st.st_mtime_ns} {st.st_ctime_ns} {st.st_ino}"


def _write_stamp(target: Path, digest: str) -> None:
    """Remember that ``target``, as it is now on disk, has SHA256 ``digest``."""
    _stamp_path(target).write_text(f"{digest} {_signature(target)}\n")


def _verified_or_none(target: Path) -> Path | None:
    """``target`` if it exists and verifies; a corrupt cached copy is deleted.

    The digest is recomputed only when the file changed (size, times or inode)
    since it was last verified, so a cache hit on a large file costs a ``stat``.
    """
    if not target.is_file():
        return None
    expected = sha256_prefix(target.name)
    if expected is None:
        return target
    stamp = _stamp_path(target)
    if stamp.is_file():
        digest, _, signature = stamp.read_text().strip().partition(" ")
        if signature == _signature(target) and digest.startswith(expected):
            return target
    try:
        digest = file_sha256(target)
        verify_file(target, digest=digest)
    except ChecksumError as exc:
        _LOGGER.warning("cached %s failed verification (%s); downloading it again", target, exc)
        target.unlink(missing_ok=True)
        stamp.unlink(missing_ok=True)
        return None
    _write_stamp(target, digest)
    return target


def _fetch(
    url: str, part: Path, hashed: bool, *, show: bool, timeout: tuple[float, float], retries: int, backoff: float
) -> str | None:
    """Fetch ``url`` into ``part``, resuming from what ``part`` already holds; return its SHA256 if ``hashed``."""
    last_error: Exception | None = None
    with requests.Session() as session:
        for attempt in range(retries + 1):
            if attempt:
                time.sleep(backoff * 2 ** (attempt - 1))
            try:
                return _fetch_once(session, url, part, hashed, show=show, timeout=timeout)
            except (*_RETRYABLE, _RetryableStatusError) as exc:
                last_error = exc
                _LOGGER.info("download of %s failed (%s); attempt %d of %d", url, exc, attempt + 1, retries + 1)
    raise DownloadError(f"could not download {url} after {retries + 1} attempts: {last_error}") from last_error


def _fetch_once(
    session: requests.Session, url: str, part: Path, hashed: bool, *, show: bool, timeout: tuple[float, float]
) -> str | None:
    have = part.stat().st_size if part.is_file() else 0
    headers = {"Range": f"bytes={have}-"} if have else {}
    with session.get(url, stream=True, timeout=timeout, headers=headers) as response:
        if response.status_code == 416 and have:
            # The server has no bytes past what we hold: the partial file is complete,
            # unless it is larger than the file, which verification will catch.
            return file_sha256(part) if hashed else None
        if response.status_code >= 500:
            raise _RetryableStatusError(f"HTTP {response.status_code} {response.reason}")
        if response.status_code >= 400:
            raise DownloadError(f"downloading {url} failed: HTTP {response.status_code} {response.reason}")
        resumed = response.status_code == 206
        start = have if resumed else 0
        length = response.headers.get("Content-Length")
        total = start + int(length) if length is not None and length.isdigit() else None
        digest = _hash_of_prefix(part, start) if hashed else None
        with open(part, "r+b" if resumed else "wb") as out:
            out.seek(start)
            out.truncate()
            received = _copy(response, out, digest, total=total, start=start, show=show, name=part.name[:-5])
        if length is not None and length.isdigit() and received < int(length):
            raise requests.exceptions.ChunkedEncodingError(f"connection closed after {received} of {length} bytes")
    return digest.hexdigest() if digest is not None else None


def _hash_of_prefix(path: Path, size: int) -> Any:
    """A sha256 object fed with the first ``size`` bytes of ``path``."""
    digest = hashlib.sha256()
    if size:
        with open(path, "rb") as f:
            while size > 0 and (chunk := f.read(min(_CHUNK, size))):
                digest.update(chunk)
                size -= len(chunk)
    return digest


def _copy(
    response: requests.Response, out: IO[bytes], digest: Any, *, total: int | None, start: int, show: bool, name: str
) -> int:
    bar: Any = None
    if show:
        from tqdm import tqdm

        bar = tqdm(total=total, initial=start, unit="B", unit_scale=True, unit_divisor=1024, desc=name)
    received = 0
    hasher = _BackgroundHasher(digest) if digest is not None else None
    try:
        for chunk in response.iter_content(chunk_size=_CHUNK):
            out.write(chunk)
            if hasher is not None:
                hasher.update(chunk)
            received += len(chunk)
            if bar is not None:
                bar.update(len(chunk))
    finally:
        if hasher is not None:
            hasher.finish()
        if bar is not None:
            bar.close()
    return received


class _BackgroundHasher:
    """Feeds chunks to a hash object in a second thread, so hashing overlaps receiving.

    ``hashlib`` releases the GIL on large buffers, so the digest costs little
    wall time on a machine with a spare core.
    """

    def __init__(self, digest: Any, depth: int = 16) -> None:
        self._digest = digest
        self._chunks: queue.Queue[bytes | None] = queue.Queue(maxsize=depth)
        self._thread = threading.Thread(target=self._run, name="cnn-zoo-sha256", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (chunk := self._chunks.get()) is not None:
            self._digest.update(chunk)

    def update(self, chunk: bytes) -> None:
        self._chunks.put(chunk)

    def finish(self) -> None:
        """Wait until every chunk given so far is hashed."""
        self._chunks.put(None)
        self._thread.join()

"""The download cache: fetch a URL once, verify it, and share it between processes.

``download(url)`` returns the path of a verified local copy. Each URL has its own
folder in the cache (see ``cache_path``). The transfer goes to a hidden
``.<file>.part`` beside the target and is renamed into place only after the
SHA256 prefix in the file name checks out; a file lock makes concurrent callers
(threads or processes) share one transfer; an interrupted transfer resumes with an
HTTP ``Range`` request, keeping every byte received; resets, timeouts, truncated
bodies and 5xx answers are retried with exponential backoff, within an overall
deadline. Every failure of the transfer is a ``DownloadError`` naming the URL.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import queue
import re
import socket
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any
from urllib.parse import urlsplit

import requests
from filelock import FileLock

from .cache_name import cache_path, file_sha256, sha256_prefix
from .errors import ChecksumError, DownloadError, OfflineError
from .home import cache_dir, is_offline, zoo_home

_LOGGER = logging.getLogger("cnn_zoo")
_CHUNK = 1 << 20
#: Beside each verified file, ``.<name>.sha256`` records its digest and the ``stat`` it had.
STAMP_SUFFIX = ".sha256"
PART_SUFFIX = ".part"
LOCK_SUFFIX = ".lock"
#: The file that marks a directory as a cnn-zoo download cache (the CACHEDIR.TAG convention).
CACHE_TAG = "CACHEDIR.TAG"
_CACHE_TAG_TEXT = (
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by cnn-zoo: its download cache.\n"
)
DEADLINE_ENV = "CNN_ZOO_DOWNLOAD_DEADLINE"
#: The default overall time allowed for one download, all retries included (seconds).
DEFAULT_DEADLINE = 3600.0
_TRANSIENT_STATUS = {408, 429}


class _TransientError(Exception):
    """A failure worth retrying: a 5xx answer, a truncated body, a resume the server got wrong."""


def bookkeeping_path(target: Path, suffix: str) -> Path:
    """The cache's own file for ``target``: ``.<name><suffix>`` beside it.

    Cached names never start with a dot, so these never collide with a download.

    >>> bookkeeping_path(Path('/c/h/k/w.pth'), '.part').as_posix()
    '/c/h/k/.w.pth.part'
    """
    return target.with_name(f".{target.name}{suffix}")


def is_cache(directory: str | os.PathLike[str]) -> bool:
    """Whether ``directory`` holds the tag file the download cache writes."""
    tag = Path(directory) / CACHE_TAG
    try:
        return tag.is_file() and "cnn-zoo" in tag.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False


def _tag_cache(root: Path) -> None:
    tag = root / CACHE_TAG
    if not tag.is_file():
        root.mkdir(parents=True, exist_ok=True)
        tag.write_text(_CACHE_TAG_TEXT, encoding="utf-8")


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


def default_deadline() -> float:
    """The overall time one download may take: ``$CNN_ZOO_DOWNLOAD_DEADLINE`` seconds, else one hour.

    >>> default_deadline()
    3600.0
    """
    raw = os.environ.get(DEADLINE_ENV, "").strip()
    if not raw:
        return DEFAULT_DEADLINE
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not value > 0 or value == float("inf"):
        raise ValueError(f"${DEADLINE_ENV} must be a positive number of seconds, got {raw!r}")
    return value


def download(
    url: str,
    directory: str | os.PathLike[str] | None = None,
    *,
    progress: bool | None = None,
    timeout: tuple[float, float] = (10.0, 60.0),
    retries: int = 4,
    backoff: float = 0.5,
    deadline: float | None = None,
) -> Path:
    """Return the path of a verified local copy of ``url``, downloading it if needed.

    Args:
        url: an ``http://`` or ``https://`` URL.
        directory: the cache directory; default ``cnn_zoo.cache_dir()``.
        progress: show a tqdm bar; None (default) shows one only when stderr is a terminal.
        timeout: ``(connect, read)`` timeouts in seconds for each request.
        retries: how many times a transient failure (reset, timeout, truncated
            body, 5xx, 408, 429) is retried.
        backoff: the first retry waits this many seconds, each later one twice as long.
        deadline: the most seconds the whole download may take, retries included;
            default ``$CNN_ZOO_DOWNLOAD_DEADLINE``, else 3600.

    Raises:
        ChecksumError: the downloaded bytes do not match the name's SHA256 prefix
            (the partial file is deleted).
        OfflineError: ``CNN_ZOO_OFFLINE`` is set and the file is not cached.
        DownloadError: a 4xx answer, a host that does not resolve, the deadline
            passed, or every retry failed; the message names the URL.
    """
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ValueError(f"url must start with http:// or https://, got {url!r}")
    if not isinstance(retries, int) or retries < 0:
        raise ValueError(f"retries must be a non-negative int, got {retries!r}")
    if deadline is None:
        deadline = default_deadline()
    elif not isinstance(deadline, (int, float)) or not deadline > 0:
        raise ValueError(f"deadline must be a positive number of seconds, got {deadline!r}")
    try:
        _ = urlsplit(url).port
    except ValueError as exc:
        raise DownloadError(f"cannot download {url!r}: it is not a valid URL ({exc})") from None
    show = _show_progress(progress)
    offline = is_offline()
    root = Path(directory).expanduser() if directory is not None else cache_dir()
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
    _tag_cache(root)
    target.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(bookkeeping_path(target, LOCK_SUFFIX))):
        cached = _verified_or_none(target)  # another process may have finished meanwhile
        if cached is not None:
            return cached
        part = bookkeeping_path(target, PART_SUFFIX)
        verified = sha256_prefix(target.name) is not None
        fetch = _Fetch(url, target, part, verified, show=show, timeout=timeout, deadline=float(deadline))
        digest = fetch.run(retries=retries, backoff=backoff)
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
    return bookkeeping_path(target, STAMP_SUFFIX)


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


def _is_dns_failure(exc: BaseException) -> bool:
    """Whether ``exc`` (or what caused it) is a failure to resolve the host name."""
    seen: set[int] = set()
    todo: list[Any] = [exc]
    while todo:
        item = todo.pop()
        if item is None or id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, socket.gaierror) or type(item).__name__ == "NameResolutionError":
            return True
        if isinstance(item, BaseException):
            todo.extend([item.__cause__, item.__context__, getattr(item, "reason", None), *item.args])
    return False


_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")


class _Fetch:
    """One download of ``url`` into ``part``: attempts, resumes and the deadline."""

    def __init__(
        self,
        url: str,
        target: Path,
        part: Path,
        hashed: bool,
        *,
        show: bool,
        timeout: tuple[float, float],
        deadline: float,
    ) -> None:
        self.url, self.target, self.part, self.hashed = url, target, part, hashed
        self.show, self.timeout, self.deadline = show, timeout, deadline
        self.end = time.monotonic() + deadline

    def remaining(self) -> float:
        left = self.end - time.monotonic()
        if left <= 0:
            raise DownloadError(
                f"downloading {self.url} did not finish within the deadline of {self.deadline:g} s "
                f"(set ${DEADLINE_ENV} or download(deadline=...) to allow longer); the "
                f"{self.part.stat().st_size if self.part.is_file() else 0} bytes received are kept "
                "and the next attempt resumes from them"
            )
        return left

    def run(self, *, retries: int, backoff: float) -> str | None:
        """Fetch, retrying what is transient; return the SHA256 if the name carries a prefix."""
        last_error: BaseException | None = None
        with requests.Session() as session:
            for attempt in range(retries + 1):
                if attempt:
                    time.sleep(min(backoff * 2 ** (attempt - 1), self.remaining()))
                self.remaining()
                try:
                    return self.once(session)
                except DownloadError:
                    raise
                except requests.exceptions.SSLError as exc:
                    raise DownloadError(f"downloading {self.url} failed: TLS error: {exc}") from exc
                except (requests.ConnectionError, requests.Timeout, _TransientError) as exc:
                    if _is_dns_failure(exc):
                        raise DownloadError(self._dns_message(exc)) from exc
                    last_error = exc
                except (requests.exceptions.ChunkedEncodingError, requests.exceptions.ContentDecodingError) as exc:
                    last_error = exc
                except requests.RequestException as exc:  # invalid URL, too many redirects, bad header ...
                    raise DownloadError(f"downloading {self.url} failed: {type(exc).__name__}: {exc}") from exc
                except ValueError as exc:  # urllib3's LocationParseError and the like: the URL itself
                    raise DownloadError(f"downloading {self.url} failed: {type(exc).__name__}: {exc}") from exc
                except (OSError, http.client.HTTPException) as exc:
                    if isinstance(exc, (FileNotFoundError, PermissionError, IsADirectoryError)):
                        raise
                    last_error = exc  # a reset surfacing from the socket, or an http.client error
                _LOGGER.info(
                    "download of %s failed (%s); attempt %d of %d", self.url, last_error, attempt + 1, retries + 1
                )
        raise DownloadError(f"could not download {self.url} after {retries + 1} attempts: {last_error}") from last_error

    def _dns_message(self, exc: BaseException) -> str:
        return (
            f"downloading {self.url} failed: the host name does not resolve ({type(exc).__name__}), so the machine "
            f"is offline or the name is wrong. Retrying would not help. To work without the network: copy the file "
            f"to {str(self.target)!r} (where the cache looks for this URL) and set CNN_ZOO_OFFLINE=1; or, if a "
            f"mirror serves it, map the checkpoint name to the mirror's URL in a user catalog such as "
            f"{str(zoo_home() / 'open-mmlab.json')!r}."
        )

    def once(self, session: requests.Session) -> str | None:
        part = self.part
        have = part.stat().st_size if part.is_file() else 0
        headers = {"Accept-Encoding": "identity"}
        if have:
            headers["Range"] = f"bytes={have}-"
        left = self.remaining()
        timeout = (min(self.timeout[0], left), min(self.timeout[1], left))
        with session.get(self.url, stream=True, timeout=timeout, headers=headers) as response:
            status = response.status_code
            content_range = response.headers.get("Content-Range", "")
            if status == 416 and have:
                total = content_range.rpartition("/")[2]
                if total.isdigit() and int(total) == have:
                    return file_sha256(part) if self.hashed else None  # the partial file is the whole file
                part.unlink(missing_ok=True)  # larger than the file, or the server cannot say: start again
                raise _TransientError(f"HTTP 416 for bytes {have}- (file size {total or 'unknown'}); restarting from 0")
            if status >= 500 or status in _TRANSIENT_STATUS:
                raise _TransientError(f"HTTP {status} {response.reason}")
            if status >= 400:
                raise DownloadError(f"downloading {self.url} failed: HTTP {status} {response.reason}")
            if status == 206:
                match = _CONTENT_RANGE.fullmatch(content_range.strip())
                if not have or match is None or int(match.group(1)) != have:
                    part.unlink(missing_ok=True)
                    raise _TransientError(
                        f"HTTP 206 with Content-Range {content_range!r} does not continue from byte {have}; "
                        "restarting from 0"
                    )
                start = have
                size = int(match.group(3)) if match.group(3).isdigit() else None
            elif status == 200:
                start = 0  # a 200 to a Range request is the whole file: start again
                length = response.headers.get("Content-Length", "")
                size = int(length) if length.isdigit() else None
            else:
                where = response.headers.get("Location")
                detail = f" (Location: {where})" if where else " without a Location header"
                raise DownloadError(
                    f"downloading {self.url} failed: HTTP {status} {response.reason}{detail}; "
                    "only a 200 answer (or 206 to a resume) is stored"
                )
            encoding = response.headers.get("Content-Encoding", "").strip().lower()
            if encoding not in ("", "identity"):
                raise DownloadError(
                    f"downloading {self.url} failed: the server encoded the body (Content-Encoding: {encoding}) "
                    "though cnn-zoo asked for the bytes as published (Accept-Encoding: identity)"
                )
            digest = _hash_of_prefix(part, start) if self.hashed else None
            with open(part, "r+b" if start else "wb") as out:
                out.seek(start)
                out.truncate()
                received = self._copy(response, out, digest, total=size, start=start)
            if size is not None and start + received < size:
                raise _TransientError(f"connection closed after {start + received} of {size} bytes")
            if size is not None and start + received > size:
                part.unlink(missing_ok=True)
                raise _TransientError(
                    f"the server sent {start + received} bytes but announced {size}; restarting from 0"
                )
        return digest.hexdigest() if digest is not None else None

    def _copy(self, response: requests.Response, out: IO[bytes], digest: Any, *, total: int | None, start: int) -> int:
        """Copy the body to ``out`` as it arrives, so every byte received is kept for a resume."""
        bar: Any = None
        if self.show:
            from tqdm import tqdm

            name = self.target.name
            bar = tqdm(total=total, initial=start, unit="B", unit_scale=True, unit_divisor=1024, desc=name)
        received = 0
        hasher = _BackgroundHasher(digest) if digest is not None else None
        raw = response.raw
        try:
            while True:
                self.remaining()
                chunk = raw.read1(_CHUNK)
                if not chunk:
                    break
                out.write(chunk)
                if hasher is not None:
                    hasher.update(chunk)
                received += len(chunk)
                if bar is not None:
                    bar.update(len(chunk))
        except DownloadError:
            raise
        except Exception as exc:  # urllib3's ProtocolError, a reset ...: keep what arrived, retry
            out.flush()
            raise _TransientError(f"connection lost after {start + received} bytes: {exc}") from exc
        finally:
            if hasher is not None:
                hasher.finish()
            if bar is not None:
                bar.close()
        return received


def _hash_of_prefix(path: Path, size: int) -> Any:
    """A sha256 object fed with the first ``size`` bytes of ``path``."""
    digest = hashlib.sha256()
    if size:
        with open(path, "rb") as f:
            while size > 0 and (chunk := f.read(min(_CHUNK, size))):
                digest.update(chunk)
                size -= len(chunk)
    return digest


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

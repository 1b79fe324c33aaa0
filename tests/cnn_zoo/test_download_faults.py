"""The download cache against servers on 127.0.0.1 that lie, stall, truncate and redirect (issue 11, items 1-6)."""

from __future__ import annotations

import contextlib
import hashlib
import logging
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from cnn_zoo import ChecksumError, DownloadError, cache_dir, download
from cnn_zoo.cache_name import cache_path

Respond = Callable[[BaseHTTPRequestHandler, int], None]


class Scripted:
    """A threaded HTTP server whose every GET is answered by ``respond(handler, n)``; n counts from 0."""

    def __init__(self, respond: Respond) -> None:
        self.respond = respond
        self.seen: list[dict[str, str]] = []
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                n = len(scripted.seen)
                scripted.seen.append({"path": self.path, **dict(self.headers.items())})
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    scripted.respond(self, n)
                self.close_connection = True

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def serve() -> Iterator[Callable[[Respond], Scripted]]:
    servers: list[Scripted] = []

    def start(respond: Respond) -> Scripted:
        servers.append(Scripted(respond))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


def send(h: BaseHTTPRequestHandler, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
    h.send_response(status)
    all_headers = {"Content-Length": str(len(body)), "Connection": "close", **(headers or {})}
    for key, value in all_headers.items():
        h.send_header(key, value)
    h.end_headers()
    h.wfile.write(body)
    h.wfile.flush()


def cut(h: BaseHTTPRequestHandler, status: int, body: bytes, sent: int, headers: dict[str, str] | None = None) -> None:
    """Announce all of ``body`` but send only ``sent`` bytes, then drop the connection."""
    h.send_response(status)
    h.send_header("Content-Length", str(len(body)))
    for key, value in (headers or {}).items():
        h.send_header(key, value)
    h.end_headers()
    h.wfile.write(body[:sent])
    h.wfile.flush()
    h.connection.shutdown(socket.SHUT_RDWR)


def range_start(h: BaseHTTPRequestHandler) -> int | None:
    value = h.headers.get("Range")
    return int(value.removeprefix("bytes=").split("-")[0]) if value else None


def named(data: bytes, stem: str = "w") -> str:
    return f"{stem}-{hashlib.sha256(data).hexdigest()[:8]}.pth"


BODY = bytes(range(256)) * 400  # 100 KiB


# --- 1. the cache key covers the whole URL -------------------------------------------------------------


def test_different_urls_never_share_a_cache_file(serve):
    server = serve(lambda h, n: send(h, 200, h.path.encode()))
    urls = [
        server.url("/a/model.pth"),
        server.url("/b/model.pth"),
        server.url("/get?id=1"),
        server.url("/get?id=2"),
        server.url("/a_b/model.pth"),
        server.url("/a/b/model.pth"),
    ]
    other = serve(lambda h, n: send(h, 200, b"other port" + h.path.encode()))
    urls.append(other.url("/a/model.pth"))
    bodies = [download(url).read_bytes() for url in urls]
    assert bodies[:6] == [
        b"/a/model.pth",
        b"/b/model.pth",
        b"/get?id=1",
        b"/get?id=2",
        b"/a_b/model.pth",
        b"/a/b/model.pth",
    ]
    assert bodies[6] == b"other port/a/model.pth"
    assert len({cache_path(url, cache_dir()) for url in urls}) == len(urls)
    # the cache stays readable: host and port, the folders, then the file name
    path = cache_path(urls[0], cache_dir())
    assert path.name == "model.pth" and path.parent.name.startswith("a-")
    assert path.parent.parent.name == f"127.0.0.1_{server.server.server_address[1]}"


def test_scheme_is_part_of_the_key():
    assert cache_path("http://h/w.pth", "/c") != cache_path("https://h/w.pth", "/c")


# --- 2. resume checks what the server sends --------------------------------------------------------------


def test_resume_with_a_content_range_that_does_not_continue_restarts(serve):
    big = BODY * 30  # 3 MiB: more than one read, so the first attempt keeps bytes to resume from
    name = named(big)

    def respond(h, n):
        start = range_start(h)
        if start is None and n == 0:
            return cut(h, 200, big, 1_500_000)
        if start is not None:  # lies: sends the file from byte 0 labelled as a continuation
            return send(h, 206, big, {"Content-Range": f"bytes 0-{len(big) - 1}/{len(big)}"})
        return send(h, 200, big)

    server = serve(respond)
    assert download(server.url(f"/{name}"), backoff=0.01).read_bytes() == big
    assert [("Range" in seen) for seen in server.seen] == [False, True, False]  # started again from zero


def test_200_to_a_range_request_restarts_from_zero(serve):
    name = named(BODY)
    server = serve(lambda h, n: cut(h, 200, BODY, 30_000) if n == 0 else send(h, 200, BODY))
    assert download(server.url(f"/{name}"), backoff=0.01).read_bytes() == BODY
    assert server.seen[1]["Range"] == "bytes=30000-"


def test_416_with_a_part_larger_than_the_file_restarts_cleanly(serve):
    name = named(BODY)

    def respond(h, n):
        if range_start(h) is not None:
            return send(h, 416, b"", {"Content-Range": f"bytes */{len(BODY)}"})
        return send(h, 200, BODY)

    server = serve(respond)
    url = server.url(f"/{name}")
    target = cache_path(url, cache_dir())
    target.parent.mkdir(parents=True)
    target.with_name(f".{target.name}.part").write_bytes(BODY + b"left over from another version")
    assert download(url, backoff=0.01).read_bytes() == BODY
    assert [("Range" in seen) for seen in server.seen] == [True, False]


def test_416_with_a_complete_part_needs_no_more_bytes(serve):
    name = named(BODY)
    server = serve(lambda h, n: send(h, 416, b"", {"Content-Range": f"bytes */{len(BODY)}"}))
    url = server.url(f"/{name}")
    target = cache_path(url, cache_dir())
    target.parent.mkdir(parents=True)
    target.with_name(f".{target.name}.part").write_bytes(BODY)
    assert download(url).read_bytes() == BODY


def test_unhashed_name_with_a_bad_resume_is_not_cached_corrupt(serve):
    def respond(h, n):
        if n == 0:
            return cut(h, 200, BODY, 40_000)
        return send(h, 206, BODY[10:], {"Content-Range": f"bytes 10-{len(BODY) - 1}/{len(BODY)}"})

    server = serve(lambda h, n: respond(h, n) if n < 2 else send(h, 200, BODY))
    assert download(server.url("/plain.pth"), backoff=0.01).read_bytes() == BODY


# --- 3. only 200 (or 206 on resume) is stored -----------------------------------------------------------


def test_3xx_without_location_is_not_cached(serve):
    server = serve(lambda h, n: send(h, 302, b"<html>moved</html>"))
    url = server.url("/plain.pth")
    with pytest.raises(DownloadError, match=r"plain.pth failed: HTTP 302.*without a Location header"):
        download(url)
    assert not cache_path(url, cache_dir()).exists()


@pytest.mark.parametrize("status", [204, 304])
def test_other_non_200_answers_are_not_cached(serve, status):
    server = serve(lambda h, n: send(h, status))
    url = server.url("/plain.pth")
    with pytest.raises(DownloadError, match=rf"HTTP {status}"):
        download(url)
    assert not cache_path(url, cache_dir()).exists()


def test_redirect_with_location_is_followed(serve):
    server = serve(lambda h, n: send(h, 302, b"", {"Location": "/real.pth"}) if n == 0 else send(h, 200, BODY))
    assert download(server.url("/alias.pth")).read_bytes() == BODY


# --- 4. every transport failure is a DownloadError naming the URL -------------------------------------------


def test_redirect_loop_is_a_download_error(serve):
    server = serve(lambda h, n: send(h, 302, b"", {"Location": "/loop.pth"}))
    url = server.url("/loop.pth")
    with pytest.raises(DownloadError, match=rf"{url}.*TooManyRedirects"):
        download(url)


@pytest.mark.parametrize("url", ["http://[::1/w.pth", "http://" + "a" * 64 + ".com/w.pth", "http://h:99999/w.pth"])
def test_invalid_url_is_a_download_error_naming_it(url):
    with pytest.raises(DownloadError, match=re.escape(url)):
        download(url, retries=2, backoff=5)  # fails at once: no backoff


def test_broken_chunked_encoding_is_retried_then_named(serve):
    def respond(h, n):
        h.send_response(200)
        h.send_header("Transfer-Encoding", "chunked")
        h.end_headers()
        h.wfile.write(b"zz\r\nnot hex\r\n")
        h.wfile.flush()
        h.connection.shutdown(socket.SHUT_RDWR)

    server = serve(respond)
    url = server.url("/chunked.pth")
    with pytest.raises(DownloadError, match=rf"could not download {url} after 2 attempts"):
        download(url, retries=1, backoff=0.01)
    assert len(server.seen) == 2


def test_4xx_fails_fast_without_retrying(serve):
    server = serve(lambda h, n: send(h, 403, b"no"))
    with pytest.raises(DownloadError, match="HTTP 403"):
        download(server.url("/w.pth"), retries=3, backoff=0.01)
    assert len(server.seen) == 1


def test_429_and_5xx_are_retried(serve):
    server = serve(lambda h, n: send(h, [429, 503][n]) if n < 2 else send(h, 200, BODY))
    assert download(server.url("/w.pth"), backoff=0.01).read_bytes() == BODY
    assert len(server.seen) == 3


def test_connection_reset_is_retried(serve):
    def respond(h, n):
        if n == 0:
            h.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            h.connection.close()
            return
        send(h, 200, BODY)

    server = serve(respond)
    assert download(server.url("/w.pth"), backoff=0.01).read_bytes() == BODY


def test_dns_failure_fails_fast_and_says_what_to_do(caplog):
    url = "http://no-such-host.invalid/models/w-0123abcd.pth"
    with caplog.at_level(logging.INFO, logger="cnn_zoo"), pytest.raises(DownloadError) as info:
        download(url, retries=4, backoff=0.01)
    assert not [r for r in caplog.records if "attempt" in r.getMessage()]  # not retried
    message = str(info.value)
    assert url in message and "CNN_ZOO_OFFLINE" in message
    assert str(cache_path(url, cache_dir())) in message
    assert "open-mmlab.json" in message and "mirror" in message


# --- 5. an overall deadline ------------------------------------------------------------------------------


def test_a_trickling_server_hits_the_deadline(serve, monkeypatch):
    stop = threading.Event()

    def respond(h, n):
        h.send_response(200)
        h.send_header("Content-Length", str(len(BODY)))
        h.end_headers()
        for i in range(len(BODY)):
            if stop.is_set():
                return
            h.wfile.write(BODY[i : i + 1])
            h.wfile.flush()
            time.sleep(0.05)

    server = serve(respond)
    url = server.url("/slow.pth")
    try:
        with pytest.raises(DownloadError, match=r"slow.pth did not finish within the deadline of 1\.5 s.*deadline"):
            download(url, deadline=1.5)
        monkeypatch.setenv("CNN_ZOO_DOWNLOAD_DEADLINE", "1")
        with pytest.raises(DownloadError, match=r"deadline of 1 s \(set \$CNN_ZOO_DOWNLOAD_DEADLINE"):
            download(url)
    finally:
        stop.set()
    monkeypatch.setenv("CNN_ZOO_DOWNLOAD_DEADLINE", "soon")
    with pytest.raises(ValueError, match=r"CNN_ZOO_DOWNLOAD_DEADLINE must be a positive number.*'soon'"):
        download(url)


# --- 6. every byte received counts toward the resume ----------------------------------------------------------


def test_a_truncation_inside_the_first_mib_keeps_the_bytes_received(serve):
    name = named(BODY)

    def respond(h, n):
        start = range_start(h)
        if start is None:
            return cut(h, 200, BODY, 50_000)
        rest = BODY[start:]
        send(h, 206, rest, {"Content-Range": f"bytes {start}-{len(BODY) - 1}/{len(BODY)}"})

    server = serve(respond)
    assert download(server.url(f"/{name}"), backoff=0.01).read_bytes() == BODY
    assert server.seen[1]["Range"] == "bytes=50000-"


def test_a_mismatch_after_resume_deletes_the_partial(serve):
    name = named(BODY)
    wrong = bytes(len(BODY))
    server = serve(lambda h, n: send(h, 200, wrong))
    url = server.url(f"/{name}")
    with pytest.raises(ChecksumError):
        download(url)
    assert not any(p.name.endswith(".part") for p in Path(cache_dir()).rglob("*"))


# --- 9. names that look like the cache's own files, and very long names ------------------------------------------


@pytest.mark.parametrize("suffix", [".part", ".lock", ".sha256", ".pth.part"])
def test_names_ending_like_bookkeeping_files_are_cached_apart(serve, suffix):
    server = serve(lambda h, n: send(h, 200, h.path.encode()))
    plain, odd = server.url("/m/w.pth"), server.url(f"/m/w.pth{suffix}")
    assert download(odd).read_bytes() == f"/m/w.pth{suffix}".encode()
    assert download(plain).read_bytes() == b"/m/w.pth"
    assert download(odd).read_bytes() == f"/m/w.pth{suffix}".encode()
    assert len(server.seen) == 2


def test_a_300_character_name_is_shortened_keeping_its_hash(serve):
    data = b"long name"
    name = "x" * 300 + f"-{hashlib.sha256(data).hexdigest()[:8]}.pth"
    server = serve(lambda h, n: send(h, 200, data))
    path = download(server.url("/" + name))
    assert path.read_bytes() == data
    assert len(path.name) <= 160 and path.name.endswith(name[-13:])
    bad = serve(lambda h, n: send(h, 200, b"other bytes"))
    with pytest.raises(ChecksumError):  # the shortened name still promises the digest
        download(bad.url("/" + name))


def test_an_encoded_body_is_refused_not_stored(serve):
    import gzip

    server = serve(lambda h, n: send(h, 200, gzip.compress(BODY), {"Content-Encoding": "gzip"}))
    url = server.url("/w.pth")
    with pytest.raises(DownloadError, match=r"Content-Encoding: gzip"):
        download(url)
    assert not cache_path(url, cache_dir()).exists()
    assert server.seen[0]["Accept-Encoding"] == "identity"


def test_very_long_host_and_folders_still_fit_in_file_names():
    host = ".".join(["a" * 63] * 3) + ".example"
    url = f"http://{host}:8080/{'/'.join(['f' * 200] * 3)}/{'n' * 300}-0123abcd.pth"
    path = cache_path(url, "/c")
    assert all(len(part) <= 160 for part in path.parts)
    assert path.name.endswith("-0123abcd.pth")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(url="ftp://h/w.pth"), r"url must start with http:// or https://, got 'ftp://h/w.pth'"),
        (dict(retries=-1), r"retries must be a non-negative int, got -1"),
        (dict(deadline=0), r"deadline must be a positive number of seconds, got 0"),
    ],
)
def test_bad_download_arguments_are_named(tmp_path, kwargs, match):
    with pytest.raises(ValueError, match=match):
        download(**{"url": "http://127.0.0.1:9/w.pth", "directory": tmp_path, **kwargs})
    assert not any(tmp_path.iterdir())  # refused before touching the cache

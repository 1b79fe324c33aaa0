"""Fixtures for cnn-zoo's tests: an isolated zoo home and a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import io
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import torch
from torch import nn


@pytest.fixture(autouse=True)
def zoo_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Every test gets its own empty ``$CNN_ZOO_HOME``, online, with no mmcv catalog."""
    home = tmp_path / "zoo-home"
    monkeypatch.setenv("CNN_ZOO_HOME", str(home))
    for name in ("CNN_ZOO_OFFLINE", "MMCV_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    return home


def checkpoint_bytes(obj: object) -> bytes:
    """What ``torch.save(obj)`` writes."""
    buffer = io.BytesIO()
    torch.save(obj, buffer)
    return buffer.getvalue()


def hashed_name(stem: str, data: bytes, suffix: str = ".pth") -> str:
    """``stem-<first 8 hex digits of sha256(data)><suffix>``, as published checkpoints are named."""
    return f"{stem}-{hashlib.sha256(data).hexdigest()[:8]}{suffix}"


@pytest.fixture
def tiny_model() -> nn.Module:
    """A two-layer model whose state dict is a few hundred bytes."""
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))


@dataclass
class Served:
    """One file the server offers, and how it misbehaves."""

    body: bytes
    statuses: list[int] = field(default_factory=list)  # answered (then dropped) before serving the body
    drop_after: int | None = None  # send this many bytes, then cut the connection ...
    drops: int = 0  # ... this many times
    wrong_bytes: bool = False  # serve other bytes of the same length
    ranges: bool = True  # honour Range requests
    chunk_delay: float = 0.0  # seconds to sleep between 64 KiB chunks
    full_gets: int = 0  # GETs without a Range header
    range_gets: list[str] = field(default_factory=list)
    requests: int = 0


class Hub:
    """A threaded HTTP server on 127.0.0.1 that serves :class:`Served` files."""

    def __init__(self) -> None:
        self.files: dict[str, Served] = {}
        self.lock = threading.Lock()
        hub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                hub.handle(self)

            def do_HEAD(self) -> None:
                hub.head(self)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def add(self, path: str, body: bytes, **behaviour: object) -> str:
        """Serve ``body`` at ``path``; return its URL."""
        self.files[path] = Served(body, **behaviour)  # type: ignore[arg-type]
        return self.base + path

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        path = request.path.split("?")[0]
        with self.lock:
            served = self.files.get(path)
            if served is None:
                request.send_error(404, "Not Found")
                return
            served.requests += 1
            status = served.statuses.pop(0) if served.statuses else 200
            rng = request.headers.get("Range") if served.ranges else None
            if rng:
                served.range_gets.append(rng)
            elif status == 200:
                served.full_gets += 1
            drop = served.drop_after if served.drops > 0 else None
            if drop is not None:
                served.drops -= 1
        if status != 200:
            request.send_error(status)
            return
        body = served.body
        if served.wrong_bytes:
            body = bytes(b ^ 0xFF for b in body)
        start = 0
        if rng:
            start = int(rng.removeprefix("bytes=").split("-")[0])
            if start >= len(body):
                request.send_response(416)
                request.send_header("Content-Range", f"bytes */{len(body)}")
                request.send_header("Content-Length", "0")
                request.end_headers()
                return
            request.send_response(206)
            request.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        else:
            request.send_response(200)
        payload = body[start:]
        request.send_header("Content-Length", str(len(payload)))
        request.send_header("Content-Type", "application/octet-stream")
        request.end_headers()
        if drop is not None:
            request.wfile.write(payload[:drop])
            request.wfile.flush()
            request.connection.shutdown(socket.SHUT_RDWR)
            return
        for i in range(0, len(payload), 1 << 16):
            request.wfile.write(payload[i : i + (1 << 16)])
            if served.chunk_delay:
                time.sleep(served.chunk_delay)

    def head(self, request: BaseHTTPRequestHandler) -> None:
        """Metadata as the Hugging Face Hub sends it: size, ETag and the commit of the revision."""
        served = self.files.get(request.path.split("?")[0])
        if served is None:
            request.send_error(404, "Not Found")
            return
        request.send_response(200)
        request.send_header("Content-Length", str(len(served.body)))
        request.send_header("ETag", f'"{hashlib.sha256(served.body).hexdigest()}"')
        request.send_header("X-Repo-Commit", "0" * 40)
        request.end_headers()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hub() -> Iterator[Hub]:
    """A real HTTP server on 127.0.0.1 (see :class:`Hub`)."""
    server = Hub()
    yield server
    server.close()


@pytest.fixture
def make_checkpoint():
    """``make_checkpoint(obj)`` -> ``(bytes, hashed file name)`` of a torch checkpoint."""

    def make(obj: object, stem: str = "tiny") -> tuple[bytes, str]:
        data = checkpoint_bytes(obj)
        return data, hashed_name(stem, data)

    return make


@pytest.fixture
def hashed():
    """``hashed(stem, data, suffix='.pth')``: the published-style file name of ``data``."""
    return hashed_name

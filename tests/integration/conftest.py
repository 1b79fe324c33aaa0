"""A real HTTP server on 127.0.0.1 that publishes checkpoints as the model hubs name them.

Real weights cannot be downloaded here: tests publish small generated checkpoints through
`CheckpointServer` and point user catalogs in ``$CNN_ZOO_HOME`` at it.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


class CheckpointServer:
    """Serves in-memory files and counts the GETs each path received."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.gets: dict[str, int] = {}
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                server.gets[self.path] = server.gets.get(self.path, 0) + 1
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True).start()

    def add(self, path: str, body: bytes) -> str:
        """Serve ``body`` at ``path`` (``'/models/x.pth'``); return its URL."""
        self.files[path] = body
        return f"http://127.0.0.1:{self.httpd.server_address[1]}{path}"

    def publish(self, stem: str, obj: object, folder: str = "/") -> str:
        """Serve ``torch.save(obj)`` as ``<folder><stem>-<SHA256 prefix>.pth``, as published files are named."""
        import torch

        buffer = io.BytesIO()
        torch.save(obj, buffer)
        data = buffer.getvalue()
        return self.add(f"{folder}{stem}-{hashlib.sha256(data).hexdigest()[:8]}.pth", data)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def checkpoint_server() -> Iterator[CheckpointServer]:
    server = CheckpointServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def module_checkpoint_server() -> Iterator[CheckpointServer]:
    """One server for a module's tests (for checkpoints that are slow to make)."""
    server = CheckpointServer()
    yield server
    server.close()

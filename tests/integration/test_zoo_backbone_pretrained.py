"""cnn-backbones with cnn-zoo: `pretrained='torchvision://resnet18'` end to end, from a local mirror.

A user ``torchvision.json`` in ``$CNN_ZOO_HOME`` points ``torchvision://resnet18`` at a
real HTTP server on 127.0.0.1, which serves a checkpoint with torchvision's key names
(the backbone's own keys plus the classifier ``fc``), named with its SHA256 prefix.
"""

from __future__ import annotations

import hashlib
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import torch

from cnn_backbones import ResNet


class Mirror:
    """Serves in-memory files and counts the GETs each one received."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.gets: dict[str, int] = {}
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                body = mirror.files.get(self.path)
                mirror.gets[self.path] = mirror.gets.get(self.path, 0) + 1
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True).start()

    def add(self, name: str, body: bytes) -> str:
        self.files[f"/models/{name}"] = body
        return f"http://127.0.0.1:{self.server.server_address[1]}/models/{name}"


@pytest.fixture
def mirror(tmp_path, monkeypatch) -> Iterator[Mirror]:
    monkeypatch.setenv("CNN_ZOO_HOME", str(tmp_path / "zoo"))
    monkeypatch.delenv("CNN_ZOO_OFFLINE", raising=False)
    server = Mirror()
    yield server
    server.server.shutdown()
    server.server.server_close()


def publish_resnet18(mirror: Mirror, tmp_path) -> dict[str, torch.Tensor]:
    """A torchvision-style resnet18 checkpoint (backbone keys + fc), served and listed in torchvision.json."""
    torch.manual_seed(1)
    source = ResNet(depth=18)
    state = {k: torch.randn_like(v) if v.is_floating_point() else v for k, v in source.state_dict().items()}
    state["fc.weight"], state["fc.bias"] = torch.randn(1000, 512), torch.randn(1000)
    buffer = io.BytesIO()
    torch.save(state, buffer)
    data = buffer.getvalue()
    url = mirror.add(f"resnet18-{hashlib.sha256(data).hexdigest()[:8]}.pth", data)
    home = tmp_path / "zoo"
    home.mkdir(exist_ok=True)
    (home / "torchvision.json").write_text(json.dumps({"resnet18": url}))
    return state


def test_pretrained_torchvision_name_loads_through_the_mirror(mirror, tmp_path):
    state = publish_resnet18(mirror, tmp_path)
    model = ResNet(depth=18, pretrained="torchvision://resnet18")
    model.init_weights()
    loaded = model.state_dict()
    for key, value in loaded.items():
        assert torch.equal(value, state[key]), key
    assert "fc.weight" not in loaded  # the classifier is reported as unexpected, not loaded
    assert list(mirror.gets.values()) == [1]

    again = ResNet(depth=18, init_cfg=dict(type="Pretrained", checkpoint="torchvision://resnet18"))
    again.init_weights()
    assert torch.equal(again.conv1.weight, state["conv1.weight"])
    assert list(mirror.gets.values()) == [1]  # the second model came from the cache


def test_strict_load_of_a_wrong_depth_names_the_keys(mirror, tmp_path):
    publish_resnet18(mirror, tmp_path)
    from cnn_zoo import StateDictMismatchError, load_checkpoint

    with pytest.raises(StateDictMismatchError, match=r"missing keys.*layer1\.2\.conv1\.weight") as info:
        load_checkpoint(ResNet(depth=34), "torchvision://resnet18", strict=True)
    assert "fc.weight" in info.value.report.unexpected_keys


@pytest.mark.peer
def test_torchvision_checkpoint_gives_torchvisions_features(mirror, tmp_path):
    models = pytest.importorskip("torchvision.models")
    torch.manual_seed(2)
    reference = models.resnet18().eval()
    buffer = io.BytesIO()
    torch.save(reference.state_dict(), buffer)
    data = buffer.getvalue()
    url = mirror.add(f"resnet18-{hashlib.sha256(data).hexdigest()[:8]}.pth", data)
    (tmp_path / "zoo").mkdir(exist_ok=True)
    (tmp_path / "zoo" / "torchvision.json").write_text(json.dumps({"resnet18": url}))

    backbone = ResNet(depth=18, out_indices=(3,), pretrained="torchvision://resnet18").eval()
    backbone.init_weights()
    x = torch.rand(1, 3, 64, 64)
    with torch.no_grad():
        expected = torch.nn.Sequential(*list(reference.children())[:-2])(x)
        (actual,) = backbone(x)
    torch.testing.assert_close(actual, expected)

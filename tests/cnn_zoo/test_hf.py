"""hf://ORG/REPO/FILE through huggingface_hub, with a local server standing in for the Hub."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from cnn_zoo import MissingExtraError, read_checkpoint

WORKER = Path(__file__).with_name("hf_worker.py")


@pytest.mark.parametrize("suffix", [".pth", ".safetensors"])
def test_hf_scheme_downloads_from_hf_endpoint(hub, tmp_path, make_checkpoint, suffix):
    pytest.importorskip("huggingface_hub")
    weight = torch.arange(6, dtype=torch.float32).reshape(2, 3)
    if suffix == ".pth":
        data, _ = make_checkpoint({"weight": weight, "bias": torch.zeros(2)})
    else:
        safetensors_torch = pytest.importorskip("safetensors.torch")
        data = safetensors_torch.save({"weight": weight, "bias": torch.zeros(2)})
    hub.add(f"/org/tiny/resolve/main/weights/model{suffix}", data)
    env = dict(os.environ, HF_ENDPOINT=hub.base, HF_HOME=str(tmp_path / "hf"), HF_HUB_DISABLE_TELEMETRY="1")
    out = subprocess.run(
        [sys.executable, str(WORKER), f"hf://org/tiny/weights/model{suffix}"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "['bias', 'weight'] 15.0"


def test_bad_hf_reference():
    with pytest.raises(ValueError, match="hf://ORG/REPO/FILE"):
        read_checkpoint("hf://org-only/model.pth")


def test_missing_hf_extra_names_the_pip_line(monkeypatch):
    monkeypatch.setitem(sys.modules, "huggingface_hub", None)  # as if it were not installed
    with pytest.raises(MissingExtraError, match=r"pip install 'cnn-zoo\[hf\]'"):
        read_checkpoint("hf://org/repo/model.pth")

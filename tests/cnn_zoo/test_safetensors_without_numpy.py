"""Saving .safetensors after `pip install cnn-zoo[safetensors]`, in a real venv without numpy (issue 11 item 16).

The shared dev venv has numpy (the test tools bring it), which hid that safetensors' own
writer needs it. This test builds a venv with only torch, the safetensors extra and the
zoo's packages, checks that numpy is absent, and saves, loads and converts there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
WHEELS = Path("/opt/wheels")


def _torch_requirement() -> str:
    """The local CPU wheel of this torch when there is one (no CUDA downloads), else the version pin."""
    import torch

    version = torch.__version__.split("+")[0]
    local = sorted(WHEELS.glob(f"torch-{version}*cp{sys.version_info[0]}{sys.version_info[1]}*.whl"))
    return str(local[0]) if local else f"torch=={version}"


@pytest.fixture(scope="module")
def venv(tmp_path_factory) -> Path:
    uv = shutil.which("uv") or str(Path(sys.executable).with_name("uv"))
    if not Path(uv).exists():
        pytest.skip("needs uv to build a venv without numpy")
    where = tmp_path_factory.mktemp("no-numpy") / "venv"
    env = dict(os.environ, UV_FIND_LINKS=str(WHEELS))
    packages = [
        f"{ROOT / 'packages' / 'cnn-zoo'}[safetensors]",
        *(str(ROOT / "packages" / p) for p in ("cnn-registry", "cnn-init")),
    ]
    try:
        subprocess.run([uv, "venv", "-q", str(where), "--python", sys.executable], check=True, env=env, timeout=300)
        subprocess.run(
            [uv, "pip", "install", "-q", "--python", str(where / "bin" / "python"), _torch_requirement(), *packages],
            check=True,
            env=env,
            timeout=900,
            capture_output=True,
        )
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        pytest.skip(f"could not build a venv without numpy (offline?): {getattr(exc, 'stderr', b'')!r:.300}")
    return where


SCRIPT = """
import importlib.util, sys
assert importlib.util.find_spec('numpy') is None, 'numpy is installed: this venv proves nothing'
import torch
from torch import nn
from cnn_zoo import load_checkpoint, read_checkpoint, save_checkpoint
torch.manual_seed(0)
source = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
path = save_checkpoint(source, sys.argv[1] + '/w.safetensors', meta={'epoch': 7})
target = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
load_checkpoint(target, str(path), strict=True)
assert all(torch.equal(a, b) for a, b in zip(source.state_dict().values(), target.state_dict().values()))
torch.save({'state_dict': source.state_dict()}, sys.argv[1] + '/w.pth')
print('saved and loaded')
"""


def test_save_load_and_convert_safetensors_without_numpy(venv, tmp_path):
    python = str(venv / "bin" / "python")
    result = subprocess.run([python, "-c", SCRIPT, str(tmp_path)], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr
    assert "saved and loaded" in result.stdout
    out = tmp_path / "converted.safetensors"
    result = subprocess.run(
        [str(venv / "bin" / "cnn-zoo"), "convert", "--trust", str(tmp_path / "w.pth"), str(out)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    assert out.is_file() and "wrote 7 tensors" in result.stdout

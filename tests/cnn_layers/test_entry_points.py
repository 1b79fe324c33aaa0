"""A third-party distribution that declares an entry point is found by name, without importing it."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import textwrap
import venv
from pathlib import Path

import pytest

PYPROJECT = """\
[build-system]
requires = ["hatchling"]
build-backend = "hatchling.build"

[project]
name = "tiny-upsample"
version = "1.0"

[project.entry-points.cnn_registry]
"cnn_layers.upsample_layers" = "tiny_upsample"

[tool.hatch.build.targets.wheel]
include = ["tiny_upsample.py"]
"""

MODULE = """\
from torch import nn
from cnn_layers import UPSAMPLE_LAYERS


@UPSAMPLE_LAYERS.register_module()
class TinyUpsample(nn.Upsample):
    def __init__(self, scale_factor):
        super().__init__(scale_factor=scale_factor, mode="nearest")
"""

CHECK = """\
import sys
from cnn_layers import build_upsample_layer
assert "tiny_upsample" not in sys.modules
layer = build_upsample_layer(dict(type="TinyUpsample", scale_factor=3))
print(type(layer).__module__, type(layer).__name__, layer.scale_factor)
"""


def make_venv(root: Path) -> Path:
    """A fresh venv that sees this environment's packages (torch, cnn-*, the build backend).

    ``--system-site-packages`` alone would expose the base interpreter's
    packages, not those of the venv running the tests, so a ``.pth`` file adds
    this environment's site directories (their own ``.pth`` files, such as
    editable installs, included).
    """
    venv.create(root, system_site_packages=True, with_pip=False)
    python = root / ("Scripts/python.exe" if sys.platform == "win32" else "bin/python")
    target = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    lines = "".join(f"import site; site.addsitedir({path!r})\n" for path in sorted(ours))
    Path(target, "zz_parent_env.pth").write_text(lines)
    return python


def test_entry_point_of_an_installed_distribution_is_found_by_name(tmp_path):
    pytest.importorskip("hatchling", reason="building the test distribution offline needs hatchling installed")
    pytest.importorskip("pip", reason="installing the test distribution needs pip")
    dist = tmp_path / "tiny-upsample"
    dist.mkdir()
    (dist / "pyproject.toml").write_text(PYPROJECT)
    (dist / "tiny_upsample.py").write_text(MODULE)
    python = make_venv(tmp_path / "venv")
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet", "--no-deps", "--no-index",
         "--no-build-isolation", "--disable-pip-version-check", str(dist)],
        capture_output=True, text=True,
    )  # fmt: skip
    assert install.returncode == 0, install.stdout + install.stderr
    result = subprocess.run([str(python), "-c", textwrap.dedent(CHECK)], capture_output=True, text=True, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split() == ["tiny_upsample", "TinyUpsample", "3.0"]

"""Fixtures for cnn-registry's tests: throw-away importable modules and plugin wheels."""

from __future__ import annotations

import base64
import hashlib
import sys
import textwrap
import uuid
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


@pytest.fixture
def make_module(tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Write a uniquely named importable module; returns its name."""
    sys.path.insert(0, str(tmp_path))
    names: list[str] = []

    def make(source: str) -> str:
        name = f"mod_{uuid.uuid4().hex[:10]}"
        (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
        names.append(name)
        return name

    yield make
    sys.path.remove(str(tmp_path))
    for name in names:
        sys.modules.pop(name, None)


def build_wheel(folder: Path, dist: str, files: dict[str, str], entry_points: str) -> Path:
    """A minimal, valid wheel written by hand (no build backend needed offline)."""
    version = "0.1.0"
    info = f"{dist}-{version}.dist-info"
    contents = {
        **{path: textwrap.dedent(text) for path, text in files.items()},
        f"{info}/METADATA": f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n",
        f"{info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: cnn-registry-tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
        f"{info}/entry_points.txt": textwrap.dedent(entry_points),
    }
    record = []
    for path, text in contents.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{info}/RECORD,,")
    wheel = folder / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, text in contents.items():
            zf.writestr(path, text)
        zf.writestr(f"{info}/RECORD", "\n".join(record) + "\n")
    return wheel


@pytest.fixture
def wheel_builder() -> Callable[..., Path]:
    return build_wheel

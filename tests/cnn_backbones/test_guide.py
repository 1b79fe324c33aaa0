"""The Python blocks of docs/guides/backbones.md run, in order, in one namespace per block."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cnn_backbones import BACKBONES

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "backbones.md"
BLOCKS = re.findall(r"```python\n(.*?)```", GUIDE.read_text(encoding="utf-8"), flags=re.S) if GUIDE.exists() else []


@pytest.mark.skipif(not GUIDE.exists(), reason="the docs are not part of an installed package")
@pytest.mark.parametrize("index", range(len(BLOCKS)))
def test_guide_block_runs(index):
    with BACKBONES.temporary_registrations():  # the guide's example class must not leak into other tests
        exec(compile(BLOCKS[index], f"{GUIDE.name}[block {index}]", "exec"), {"__name__": f"guide_{index}"})


def test_guide_has_examples():
    assert len(BLOCKS) >= 6 or not GUIDE.exists()

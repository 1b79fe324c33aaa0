"""The python blocks of docs/guides/models.md run, in order, as one script."""

from __future__ import annotations

import re
from pathlib import Path

import torch

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "models.md"


def test_guide_code_runs():
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.S)
    assert len(blocks) >= 6
    namespace: dict = {}
    exec(compile("\n".join(blocks), str(GUIDE), "exec"), namespace)
    assert namespace["scores"].shape == (2, 1000)
    assert set(namespace["losses"]) == {"loss", "accuracy"}
    assert torch.isfinite(namespace["losses"]["loss"])

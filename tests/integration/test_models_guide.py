"""The python blocks of docs/guides/models.md run, in order, as one script."""

from __future__ import annotations

import re
from contextlib import ExitStack
from pathlib import Path

import torch

from cnn_backbones import BACKBONES
from cnn_models import HEADS, LOSSES, NECKS

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "models.md"


def test_guide_code_runs():
    blocks = re.findall(r"```python\n(.*?)```", GUIDE.read_text(), flags=re.S)
    assert len(blocks) >= 6
    namespace: dict = {}
    with ExitStack() as stack:  # the guide's example types are registered for this test only
        for registry in (BACKBONES, NECKS, HEADS, LOSSES):
            stack.enter_context(registry.temporary_registrations())
        exec(compile("\n".join(blocks), str(GUIDE), "exec"), namespace)
    assert "ResNet_Stem5x5" not in BACKBONES and "GlobalMaxPooling" not in NECKS
    assert namespace["scores"].shape == (2, 1000)
    assert set(namespace["losses"]) == {"loss", "accuracy"}
    assert torch.isfinite(namespace["losses"]["loss"])

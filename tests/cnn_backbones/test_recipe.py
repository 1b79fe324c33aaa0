"""The "add a backbone" recipe of docs/development.md runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cnn_backbones import BACKBONES

DEVELOPMENT = Path(__file__).resolve().parents[2] / "docs" / "development.md"


def recipe_block() -> str:
    text = DEVELOPMENT.read_text(encoding="utf-8")
    section = text.split("## Recipe: add a backbone", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, flags=re.S)
    assert len(blocks) == 1, "the recipe has one python block"
    return blocks[0]


@pytest.mark.skipif(not DEVELOPMENT.exists(), reason="the docs are not part of an installed package")
def test_add_a_backbone_recipe_runs():
    namespace: dict = {"__name__": "recipe"}
    with BACKBONES.temporary_registrations():  # the recipe's class must not stay registered
        exec(compile(recipe_block(), "development.md[add a backbone]", "exec"), namespace)
        assert BACKBONES.get("PlainNet") is namespace["PlainNet"]
    assert "PlainNet" not in BACKBONES

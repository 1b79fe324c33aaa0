"""The Python examples of docs/guides/zoo.md run, in order, offline, and print what the text says."""

from __future__ import annotations

import contextlib
import io
import re
import warnings
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "zoo.md"


def python_blocks(text: str) -> list[str]:
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.S | re.M)


@pytest.fixture
def guide_run(monkeypatch):
    if not GUIDE.exists():
        pytest.skip(f"{GUIDE} is not part of this checkout")
    monkeypatch.setenv("CNN_ZOO_OFFLINE", "0")  # the guide sets and clears it itself
    from cnn_zoo import CHECKPOINT_LOADERS

    namespace: dict[str, object] = {"__name__": "guide"}
    out = io.StringIO()
    blocks = python_blocks(GUIDE.read_text(encoding="utf-8"))
    try:
        with contextlib.redirect_stdout(out), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            for block in blocks:
                exec(compile(block, str(GUIDE), "exec"), namespace)
    finally:
        CHECKPOINT_LOADERS._modules.pop("archive", None)  # the guide registers a demo scheme
    return blocks, namespace, out.getvalue()


def test_guide_examples_run_and_print_what_the_comments_say(guide_run):
    blocks, namespace, printed = guide_run
    assert len(blocks) >= 10
    assert namespace["checkpoint"]["meta"] == {"epoch": 12}
    lines = printed.splitlines()
    assert lines[0] == "{'epoch': 12}"
    text = GUIDE.read_text(encoding="utf-8")
    report_lines = [line for line in lines if line.startswith("  shape mismatch")]
    assert len(report_lines) == 6
    for line in report_lines[:3]:
        assert line in text, f"the guide's report is out of date: {line!r}"
    assert "6 tensors do not fit" in printed
    assert "https://download.pytorch.org/models/resnet50-0676ba61.pth" in lines
    assert "https://download.openmmlab.com/pretrain/third_party/hrnetv2_w32-dc9eeb4f.pth" in lines
    assert "Expecting property name enclosed in double quotes at line 2, column 3" in printed
    assert "resnet18-f37072fd.pth is not in the cache" in printed
    assert any(line.startswith("refused: refusing to load") for line in lines)
    assert lines.count("True") == 2

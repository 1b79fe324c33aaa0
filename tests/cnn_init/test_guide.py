"""The Python examples of docs/guides/init.md run, in order, and do what the text says."""

import contextlib
import io
import re
import warnings
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guides" / "init.md"


def python_blocks(text):
    """The ```python blocks without attributes; titled ones (e.g. "needs cnn-zoo") are skipped."""
    return re.findall(r"^```python\n(.*?)^```$", text, flags=re.S | re.M)


@pytest.fixture(scope="module")
def guide_run():
    if not GUIDE.exists():
        pytest.skip(f"{GUIDE} is not part of this checkout")
    namespace = {"__name__": "guide"}
    out = io.StringIO()
    blocks = python_blocks(GUIDE.read_text(encoding="utf-8"))
    with contextlib.redirect_stdout(out), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the guide shows warnings on purpose
        for block in blocks:
            exec(compile(block, str(GUIDE), "exec"), namespace)
    return blocks, namespace, out.getvalue()


def test_guide_examples_run(guide_run):
    blocks, namespace, _ = guide_run
    assert len(blocks) >= 8
    assert namespace["net"].is_init


def test_guide_printed_messages_match_the_comments(guide_run):
    _, _, printed = guide_run
    text = GUIDE.read_text(encoding="utf-8")
    assert "kaiming_init: mode must be one of 'fan_in', 'fan_out', got 'fan_avg'" in printed
    assert "init_weights() of TinyNet has already run; this call changes nothing" in printed
    assert "matched no submodule: no module's class or base class is named 'BatchNorm'" in printed
    table_rows = [line for line in printed.splitlines() if line.startswith(("stem.", "blocks.", "head."))]
    assert len(table_rows) == 10
    for row in table_rows:
        assert row in text, f"the guide's table is out of date: {row!r}"


def test_titled_blocks_are_not_run():
    text = GUIDE.read_text(encoding="utf-8")
    assert '```python title="needs cnn-zoo"' in text
    assert all("Pretrained" not in block for block in python_blocks(text))

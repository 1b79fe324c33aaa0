"""The Python examples of the layer guide and the README run, and print what their comments say."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [ROOT / "docs" / "guides" / "layers.md", ROOT / "packages" / "cnn-layers" / "README.md"]
BLOCKS = [
    pytest.param(path, index, block, id=f"{path.name}-{index}")
    for path in DOCUMENTS
    if path.exists()
    for index, block in enumerate(re.findall(r"```python\n(.*?)```", path.read_text(), flags=re.S))
]


def expected_output(block: str) -> list[str]:
    """What the example says it prints: a ``# comment`` after ``print(...)``, or on the line after one."""
    expected, previous = [], ""
    for line in block.splitlines():
        if "print(" in line and "  # " in line:
            expected.append(line.split("  # ", 1)[1].strip())
        elif line.startswith("# ") and "print(" in previous:
            expected.append(line[2:].strip())
        previous = line
    return expected


def test_guide_lists_every_registered_name():
    import cnn_layers

    guide = (ROOT / "docs" / "guides" / "layers.md").read_text()
    missing = [
        f"{registry.name}: {name}"
        for registry in (getattr(cnn_layers, n) for n in cnn_layers.__all__ if n.endswith("_LAYERS"))
        for name, cls in registry.items()
        if cls.__module__.startswith(("torch.", "cnn_layers.")) and f"`{name}`" not in guide
    ]
    assert missing == []


@pytest.mark.parametrize(("path", "index", "block"), BLOCKS)
@pytest.mark.usefixtures("restore_registries")
def test_document_example_runs(path, index, block):
    stdout = io.StringIO()
    with contextlib.redirect_stdout(stdout):
        exec(compile(block, f"{path.name}[{index}]", "exec"), {"__name__": f"doc_example_{index}"})
    assert stdout.getvalue().splitlines() == expected_output(block)

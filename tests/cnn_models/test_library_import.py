"""`import cnn_models` is the library: no training loop, command line, demo or dataset module comes with it."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

TOOL_MODULES = ("cnn_models.tools", "sklearn")  # torch itself may import tqdm


# One interpreter answers both questions: what `import cnn_models` loads, then what one tool adds;
# importing cnn_models.__main__ last must print nothing (it runs the command only as `python -m`).
SNAPSHOTS = """
import json, sys
import cnn_models
print(json.dumps(sorted(sys.modules)))
from cnn_models.tools import summarize
print(json.dumps(sorted(sys.modules)))
import cnn_models.__main__
"""


@pytest.fixture(scope="module")
def loaded_modules() -> dict[str, list[str]]:
    """``sys.modules`` after each import of SNAPSHOTS; for ``__main__``, what it printed."""
    out = subprocess.run([sys.executable, "-c", SNAPSHOTS], capture_output=True, text=True, check=True).stdout
    library, tool, *printed_by_main = out.splitlines()
    return {
        "import cnn_models": json.loads(library),
        "from cnn_models.tools import summarize": json.loads(tool),
        "import cnn_models.__main__": printed_by_main,
    }


def test_import_cnn_models_loads_no_tool_module(loaded_modules) -> None:
    loaded = loaded_modules["import cnn_models"]
    assert "cnn_models.heads" in loaded and "cnn_models.classifiers" in loaded
    tools = [m for m in loaded if m.startswith(TOOL_MODULES)]
    assert tools == [], f"import cnn_models loaded application modules: {tools}"


def test_one_tool_loads_only_its_own_module(loaded_modules) -> None:
    loaded = loaded_modules["from cnn_models.tools import summarize"]
    assert "cnn_models.tools.summary" in loaded
    assert not {"cnn_models.tools.training", "cnn_models.tools.demo", "cnn_models.tools.cli"} & set(loaded)


@pytest.mark.parametrize("name", ["train_classifier", "DEMO_CONFIG", "summarize", "DistributedContext"])
def test_moved_names_still_resolve_from_the_top_level_with_a_note(name: str) -> None:
    import cnn_models
    import cnn_models.tools

    with pytest.warns(FutureWarning, match=f"cnn_models.tools.{name}"):
        value = getattr(cnn_models, name)
    assert value is getattr(cnn_models.tools, name)
    assert name not in cnn_models.__all__


def test_unknown_attribute_is_an_attribute_error() -> None:
    import cnn_models

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        cnn_models.nope  # noqa: B018


def test_python_dash_m_runs_the_command_and_import_does_not(loaded_modules) -> None:
    done = subprocess.run([sys.executable, "-m", "cnn_models", "--help"], capture_output=True, text=True)
    assert done.returncode == 0 and "summary" in done.stdout
    assert loaded_modules["import cnn_models.__main__"] == []  # imported, it prints nothing

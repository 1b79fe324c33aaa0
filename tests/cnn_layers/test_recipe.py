"""The "add a layer" recipe of docs/development.md works as written: module, test and catalogue."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import cnn_layers

ROOT = Path(__file__).resolve().parents[2]
RECIPE = "## Recipe: add a layer"


def recipe_files() -> dict[str, str]:
    """``{path: code}`` of each Python block of the recipe, keyed by the path in its first line."""
    text = (ROOT / "docs" / "development.md").read_text(encoding="utf-8")
    section = text.split(RECIPE, 1)[1].split("\n## ", 1)[0]
    files = {}
    for block in re.findall(r"```python\n(.*?)```", section, flags=re.S):
        first, _, rest = block.partition("\n")
        assert first.startswith("# "), f"a recipe block must start with '# <path>', got {first!r}"
        files[first[2:].strip()] = rest
    return files


def test_recipe_module_and_test_pass_with_the_catalogue_in_a_copy_of_the_package(tmp_path):
    files = recipe_files()
    module_path = next(path for path in files if path.startswith("packages/cnn-layers/src/cnn_layers/"))
    test_path = next(path for path in files if path.startswith("tests/"))
    package = Path(cnn_layers.__file__).parent
    shutil.copytree(package, tmp_path / "src" / "cnn_layers", ignore=shutil.ignore_patterns("__pycache__"))
    (tmp_path / "src" / "cnn_layers" / Path(module_path).name).write_text(files[module_path], encoding="utf-8")
    tests = tmp_path / "tests"
    tests.mkdir()
    (tests / Path(test_path).name).write_text(files[test_path], encoding="utf-8")
    shutil.copy(Path(__file__).with_name("test_catalog.py"), tests / "test_catalog.py")
    name = re.search(r"class (\w+)\(", files[module_path]).group(1)
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "src"), "OMP_NUM_THREADS": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-v", "-p", "no:cacheprovider", "--import-mode=importlib",
         str(tests / Path(test_path).name), str(tests / "test_catalog.py"), "-k", f"{name} or gated or catalogue"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    assert re.search(r"\b3 passed\b", summary), result.stdout  # the recipe's test, its catalogue case, catalogue reach
    assert f"test_type_builds_runs_and_keeps_cfg[conv_layers-{name}] PASSED" in result.stdout
    assert "cnn_layers/__init__.py" not in files and not any("__all__" in code for code in files.values())

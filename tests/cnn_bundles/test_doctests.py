"""Every docstring example of cnn_bundles runs and prints what it shows."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import cnn_bundles

SUBMODULES = sorted(name for _, name, _ in pkgutil.walk_packages(cnn_bundles.__path__, prefix="cnn_bundles."))
MODULES = ["cnn_bundles", *SUBMODULES]


@pytest.mark.parametrize("module_name", MODULES)
def test_doctests(module_name: str) -> None:
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {module_name}"


def test_every_module_with_public_code_has_examples() -> None:
    finder = doctest.DocTestFinder()
    without = [name for name in MODULES if not any(t.examples for t in finder.find(importlib.import_module(name)))]
    assert without == []

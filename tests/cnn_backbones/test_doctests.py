"""Every example in the docstrings of cnn_backbones runs and prints what it shows."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import cnn_backbones

MODULES = ["cnn_backbones"] + [
    f"cnn_backbones.{info.name}"
    for info in pkgutil.iter_modules(cnn_backbones.__path__)
    if not info.name.startswith("_")
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_every_public_module_has_examples():
    finder = doctest.DocTestFinder()
    examples = {name: sum(len(t.examples) for t in finder.find(importlib.import_module(name))) for name in MODULES}
    assert all(count > 0 for name, count in examples.items() if name != "cnn_backbones.registry"), examples

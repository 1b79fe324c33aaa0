"""Every docstring example in cnn_zoo runs and gives the output it shows."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import cnn_zoo

MODULES = ["cnn_zoo"] + [f"cnn_zoo.{m.name}" for m in pkgutil.iter_modules(cnn_zoo.__path__)]


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {name}"


def test_every_module_is_checked():
    assert {"cnn_zoo.checkpoint", "cnn_zoo.download", "cnn_zoo.catalog", "cnn_zoo.cli"} <= set(MODULES)

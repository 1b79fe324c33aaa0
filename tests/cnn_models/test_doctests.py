"""Every example in cnn_models' docstrings runs and prints what it shows."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import cnn_models

MODULES = sorted(
    info.name
    for info in pkgutil.walk_packages(cnn_models.__path__, prefix="cnn_models.")
    if not info.name.endswith("__main__")
)


def test_every_module_is_found():
    assert {"cnn_models.losses.weighted_loss", "cnn_models.cli", "cnn_models.summary"} <= set(MODULES)


@pytest.mark.parametrize("name", ["cnn_models", *MODULES])
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"

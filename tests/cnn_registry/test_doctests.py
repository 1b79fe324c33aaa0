"""The examples in cnn-registry's docstrings run and print what they say."""

from __future__ import annotations

import doctest
import importlib
import pkgutil

import pytest

import cnn_registry

MODULES = ["cnn_registry"] + [f"cnn_registry.{m.name}" for m in pkgutil.iter_modules(cnn_registry.__path__)]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0

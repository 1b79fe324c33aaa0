"""Every docstring example in cnn_layers runs and prints what it shows."""

import doctest
import importlib
import pkgutil

import pytest

import cnn_layers

MODULES = ["cnn_layers"] + [f"cnn_layers.{m.name}" for m in pkgutil.iter_modules(cnn_layers.__path__)]


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples_run(module_name):
    module = importlib.import_module(module_name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} doctest example(s) failed in {module_name}"


def test_public_objects_have_examples():
    missing = [
        name
        for name in cnn_layers.__all__
        if callable(getattr(cnn_layers, name))
        and not name.isupper()
        and ">>>" not in (getattr(cnn_layers, name).__doc__ or "")
    ]
    assert missing == []

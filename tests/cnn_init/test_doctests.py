"""Every docstring example in cnn_init runs and prints what it says."""

import doctest
import importlib
import pkgutil

import pytest

import cnn_init

MODULES = sorted(m.name for m in pkgutil.walk_packages(cnn_init.__path__, "cnn_init."))


def test_every_module_is_found():
    assert "cnn_init.base_module" in MODULES
    assert "cnn_init.kaiming" in MODULES


@pytest.mark.parametrize("name", MODULES)
def test_doctests(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"


def test_public_objects_have_examples():
    without = [
        name
        for name in cnn_init.__all__
        if not name.startswith("__")
        and callable(getattr(cnn_init, name))
        and name not in {"FanBasedInit", "InitInfo"}  # abstract or only returned, shown elsewhere
        and ">>>" not in (getattr(cnn_init, name).__doc__ or "")
    ]
    assert without == []

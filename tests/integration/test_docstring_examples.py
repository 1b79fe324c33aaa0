"""Every public class and function of every package shows a runnable example.

The examples themselves run through pytest's `--doctest-modules` (configured once in
pyproject.toml; every nox test session passes `--doctest-modules --pyargs <package>`).
"""

from __future__ import annotations

import importlib

import pytest

# Abstract or only returned by other calls, each shown in the examples of the call that makes it.
SHOWN_ELSEWHERE = {"cnn_init": {"FanBasedInit", "InitInfo"}}


@pytest.mark.parametrize("package", ["cnn_init", "cnn_layers"])
def test_public_objects_have_examples(package):
    module = importlib.import_module(package)
    missing = [
        name
        for name in module.__all__
        if not name.startswith("__")
        and not name.isupper()
        and callable(getattr(module, name))
        and name not in SHOWN_ELSEWHERE.get(package, set())
        and ">>>" not in (getattr(module, name).__doc__ or "")
    ]
    assert missing == []

"""Fixtures shared by the cnn_layers tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

import cnn_layers

REGISTRIES = [getattr(cnn_layers, name) for name in cnn_layers.__all__ if name.endswith("_LAYERS")]


@pytest.fixture
def restore_registries() -> Iterator[None]:
    """Undo whatever a test registers into the cnn_layers registries."""
    with ExitStack() as stack:
        for registry in REGISTRIES:
            stack.enter_context(registry.temporary_registrations())
        yield

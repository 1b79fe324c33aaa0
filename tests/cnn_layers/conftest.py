"""Fixtures shared by the cnn_layers tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import cnn_layers

REGISTRIES = [getattr(cnn_layers, name) for name in cnn_layers.__all__ if name.endswith("_LAYERS")]


@pytest.fixture
def restore_registries() -> Iterator[None]:
    """Undo whatever a test registers into the cnn_layers registries."""
    for registry in REGISTRIES:
        registry.names()  # run lazy discovery now, so it is part of the snapshot
    saved = [(registry, dict(registry._modules)) for registry in REGISTRIES]
    yield
    for registry, modules in saved:
        registry._modules.clear()  # the registry has no public unregister
        registry._modules.update(modules)

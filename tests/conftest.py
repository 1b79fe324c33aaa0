"""Shared test configuration; imports nothing heavy so cnn-registry's tests run without torch."""

from __future__ import annotations

import importlib.util

import pytest

# Scripts that tests start in other processes; never test modules (nor doctest modules under --doctest-modules).
collect_ignore_glob = ["*_worker.py"]
collect_ignore = ["integration/openmmlab_configs.py"]  # the config-tree harness, a script its peer test imports


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip peer and GPU tests with a message that says where they run."""
    missing_peers = [m for m in ("torchvision", "timm") if not _has(m)]
    cuda = False
    if any("gpu" in item.keywords for item in items) and _has("torch"):
        import torch

        cuda = torch.cuda.is_available()
    for item in items:
        if "peer" in item.keywords and missing_peers:
            item.add_marker(pytest.mark.skip(reason=f"needs {' and '.join(missing_peers)}: run `nox -s peers`"))
        if "gpu" in item.keywords and not cuda:
            item.add_marker(pytest.mark.skip(reason="needs a CUDA device: run `nox -s cuda` on a GPU machine"))

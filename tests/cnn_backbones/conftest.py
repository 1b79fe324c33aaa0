"""Fixtures shared by the cnn_backbones tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import nn


def _randomize_norms(model: nn.Module, seed: int = 0) -> nn.Module:
    """Give every batch norm non-trivial statistics and affine parameters, so eval-mode outputs test them."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.running_mean.copy_(torch.rand(m.num_features, generator=gen) - 0.5)
                m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
                m.bias.copy_(torch.rand(m.num_features, generator=gen) - 0.5)
    return model


@pytest.fixture
def randomize_norms() -> Callable[..., nn.Module]:
    """Return a function that fills a model's batch norms with random statistics."""
    return _randomize_norms


@pytest.fixture
def image() -> torch.Tensor:
    """A tiny deterministic RGB batch."""
    return torch.rand(1, 3, 32, 32, generator=torch.Generator().manual_seed(1))


@pytest.fixture
def batch() -> torch.Tensor:
    """A training batch: two images, large enough that batch norm sees several values per channel."""
    return torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(2))

"""Fixtures shared by the cnn_bundles tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm


def randomize_batchnorms(model: nn.Module, seed: int = 0) -> nn.Module:
    """Give every BatchNorm random running statistics and affine parameters, far from the identity."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, _BatchNorm) and module.running_mean is not None:
                shape = module.running_mean.shape
                module.running_mean.copy_(torch.randn(shape, generator=generator))
                module.running_var.copy_(torch.rand(shape, generator=generator) * 2 + 0.1)
                if module.weight is not None:
                    module.weight.copy_(torch.randn(shape, generator=generator))
                    module.bias.copy_(torch.randn(shape, generator=generator))
    return model


@pytest.fixture
def random_bn() -> Callable[..., nn.Module]:
    """``random_bn(model)`` randomises the model's BatchNorm statistics and affine parameters in place."""
    return randomize_batchnorms


@pytest.fixture(autouse=True)
def _seed() -> None:
    torch.manual_seed(0)

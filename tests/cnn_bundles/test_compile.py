"""torch.compile(fullgraph=True) captures ConvModule in every order, with and without efficient_conv_bn_eval.

Graph breaks are a property of dynamo's capture, which the ``eager`` backend checks as well as inductor
without generating code; one model holds every variant, so the suite pays for a single capture. The
suite's inductor run is tests/cnn_backbones/test_compile.py, on whole backbones built of these blocks.
"""

from __future__ import annotations

import itertools

import pytest
import torch
from torch import nn

from cnn_bundles import ConvModule

ORDERS = list(itertools.permutations(("conv", "norm", "act")))


def every_variant() -> nn.Sequential:
    blocks = [ConvModule(4, 4, 3, padding=1, norm_cfg=dict(type="BN"), order=order) for order in ORDERS]
    blocks.append(ConvModule(4, 4, 3, padding=1, norm_cfg=dict(type="BN"), efficient_conv_bn_eval=True))
    blocks.append(ConvModule(4, 4, 3, padding=1, padding_mode="reflect", act_cfg=dict(type="Clamp")))
    return nn.Sequential(*blocks)


@pytest.fixture(scope="module")
def model() -> nn.Sequential:
    torch.manual_seed(0)
    model = every_variant()
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.running_mean.uniform_(-0.5, 0.5)
                m.running_var.uniform_(0.5, 2)
    return model.eval()


def test_every_order_and_efficient_conv_bn_eval_compile_without_graph_breaks(model: nn.Sequential) -> None:
    assert model[len(ORDERS)].efficient_conv_bn_eval
    torch._dynamo.reset()
    compiled = torch.compile(model, fullgraph=True, backend="eager")  # a graph break raises instead of splitting
    x = torch.randn(2, 4, 6, 6)
    with torch.no_grad():
        assert torch.allclose(compiled(x), model(x), atol=1e-4)

"""mmcv's wrapper names take a batch of zero samples: the right empty shape, gradients that still flow, fx tracing."""

from __future__ import annotations

import pytest
import torch
import torch.fx
from torch import nn

from cnn_layers import Conv2d, Conv3d, ConvTranspose2d, ConvTranspose3d, Linear, MaxPool2d, MaxPool3d

# layer, the shape of one sample, the shape of its output
CASES = {
    "Conv2d": (lambda: Conv2d(3, 4, 3, stride=2, padding=1, dilation=1), (3, 9, 7), (4, 5, 4)),
    "Conv3d": (lambda: Conv3d(2, 4, 3, padding=1), (2, 4, 5, 3), (4, 4, 5, 3)),
    "ConvTranspose2d": (lambda: ConvTranspose2d(3, 2, 3, stride=2, output_padding=1), (3, 4, 5), (2, 10, 12)),
    "ConvTranspose3d": (lambda: ConvTranspose3d(2, 3, 2, stride=2), (2, 2, 3, 4), (3, 4, 6, 8)),
    "MaxPool2d": (lambda: MaxPool2d(3, stride=2, ceil_mode=True), (3, 8, 7), (3, 4, 3)),
    "MaxPool3d": (lambda: MaxPool3d(2), (2, 4, 6, 2), (2, 2, 3, 1)),
    "Linear": (lambda: Linear(5, 3), (5,), (3,)),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_empty_batch_has_the_shape_of_a_full_one_and_gradients_flow(name):
    make, sample, expected = CASES[name]
    torch.manual_seed(0)
    layer = make()
    assert layer(torch.randn(2, *sample)).shape == (2, *expected)  # the shapes above are right
    x = torch.randn(0, *sample, requires_grad=True)
    out = layer(x)
    assert out.shape == (0, *expected)
    (out.sum() + 1).backward()
    assert x.grad is not None and x.grad.shape == x.shape
    for param_name, param in layer.named_parameters():
        assert param.grad is not None, param_name  # a zero gradient, not a missing one: optimisers step as usual
        assert param.grad.shape == param.shape and not param.grad.any(), param_name


@pytest.mark.peer
@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("batch", [0, 2])
def test_same_outputs_and_keys_as_mmcv_wrappers(name, batch):
    wrappers = pytest.importorskip("mmcv.cnn.bricks.wrappers")
    make, sample, _ = CASES[name]
    ours = make()
    theirs = getattr(wrappers, name)(*_constructor_arguments(ours))
    theirs.load_state_dict(ours.state_dict())  # strict: the same keys
    x = torch.randn(batch, *sample)
    torch.testing.assert_close(ours(x), theirs(x), rtol=0, atol=0)


def _constructor_arguments(layer):
    if isinstance(layer, nn.Linear):
        return (layer.in_features, layer.out_features)
    if isinstance(layer, (nn.MaxPool2d, nn.MaxPool3d)):
        return (layer.kernel_size, layer.stride, layer.padding, layer.dilation, False, layer.ceil_mode)
    extra = (layer.output_padding,) if isinstance(layer, (nn.ConvTranspose2d, nn.ConvTranspose3d)) else ()
    return (layer.in_channels, layer.out_channels, layer.kernel_size, layer.stride, layer.padding, *extra)


@pytest.mark.parametrize("name", sorted(CASES))
def test_each_wrapper_traces_with_fx_on_its_own(name):
    make, sample, expected = CASES[name]
    layer = make()
    traced = torch.fx.symbolic_trace(layer)
    assert traced(torch.randn(0, *sample)).shape == (0, *expected)
    full = torch.randn(2, *sample)
    torch.testing.assert_close(traced(full), layer(full), rtol=0, atol=0)
    assert list(layer.state_dict()) == list(getattr(nn, name)(*_constructor_arguments(layer)).state_dict())


def test_a_model_of_wrappers_traces_with_fx_and_runs_an_empty_batch():
    model = nn.Sequential(Conv2d(3, 4, 3, padding=1), MaxPool2d(2), nn.Flatten(), Linear(4 * 2 * 2, 2))
    traced = torch.fx.symbolic_trace(model)
    x = torch.randn(0, 3, 4, 4)
    assert traced(x).shape == (0, 2)
    full = torch.randn(3, 3, 4, 4)
    torch.testing.assert_close(traced(full), model(full))
    assert [node.op for node in traced.graph.nodes].count("call_module") == 4

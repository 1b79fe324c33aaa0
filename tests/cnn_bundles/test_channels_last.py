"""to_channels_last and tensors_to_channels_last."""

from __future__ import annotations

from collections import namedtuple

import pytest
import torch
from torch import nn

from cnn_bundles import ConvModule, fuse_conv_bn, tensors_to_channels_last, to_channels_last


def test_model_and_inputs_are_converted_and_outputs_unchanged(random_bn) -> None:
    model = random_bn(nn.Sequential(ConvModule(3, 8, 3, norm_cfg=dict(type="BN")), nn.Conv2d(8, 4, 1))).eval()
    x = torch.randn(2, 3, 8, 8)
    expected = model(x)
    converted, x_cl = to_channels_last(model, x)
    assert converted is model
    assert model[0].conv.weight.is_contiguous(memory_format=torch.channels_last)
    assert x_cl.is_contiguous(memory_format=torch.channels_last) and not x.is_contiguous(
        memory_format=torch.channels_last
    )
    out = model(x_cl)
    assert out.is_contiguous(memory_format=torch.channels_last)
    assert torch.allclose(out, expected, atol=1e-5)


def test_model_only_and_after_fusion(random_bn) -> None:
    model = random_bn(ConvModule(3, 8, 3, norm_cfg=dict(type="BN"))).eval()
    x = torch.randn(1, 3, 6, 6)
    expected = model(x)
    assert to_channels_last(fuse_conv_bn(model)) is model
    assert torch.allclose(model(tensors_to_channels_last(x)), expected, atol=1e-5)


def test_5d_parameters_use_channels_last_3d() -> None:
    model, x = to_channels_last(nn.Conv3d(2, 4, 3), torch.randn(1, 2, 4, 4, 4))
    assert model.weight.is_contiguous(memory_format=torch.channels_last_3d)
    assert x.is_contiguous(memory_format=torch.channels_last_3d)


def test_nested_inputs_keep_their_structure() -> None:
    Pair = namedtuple("Pair", "image mask")
    inputs = {"a": [torch.randn(1, 3, 4, 4), 5], "b": Pair(torch.randn(1, 2, 4, 4), torch.ones(3))}
    out = tensors_to_channels_last(inputs)
    assert out["a"][0].is_contiguous(memory_format=torch.channels_last) and out["a"][1] == 5
    assert isinstance(out["b"], Pair) and out["b"].image.stride() == (32, 1, 8, 2)
    assert torch.equal(out["b"].mask, torch.ones(3))


def test_rejects_a_non_module() -> None:
    with pytest.raises(TypeError, match="model must be an nn.Module, got Tensor"):
        to_channels_last(torch.randn(1, 3, 4, 4))  # type: ignore[arg-type]

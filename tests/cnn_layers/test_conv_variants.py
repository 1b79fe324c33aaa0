"""ConvWS, ConvAWS and Conv2dAdaptivePadding against hand-computed expectations."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from cnn_layers import Conv2dAdaptivePadding, ConvAWS2d, ConvWS2d, build_conv_layer, same_padding, standardize_weight


def test_standardize_weight_hand_computed():
    w = torch.tensor([[1.0, 2.0, 3.0, 6.0], [0.0, 0.0, 4.0, 4.0]]).view(2, 1, 2, 2)
    # filter 0: mean 3, unbiased std sqrt((4 + 1 + 0 + 9) / 3); filter 1: mean 2, std sqrt(16 / 3)
    std0, std1 = math.sqrt(14 / 3), math.sqrt(16 / 3)
    expected = torch.tensor([[-2 / std0, -1 / std0, 0.0, 3 / std0], [-2 / std1, -2 / std1, 2 / std1, 2 / std1]])
    torch.testing.assert_close(standardize_weight(w, eps=0.0).view(2, 4), expected)


def test_conv_ws_convolves_with_standardised_weight_and_keeps_conv_keys():
    torch.manual_seed(0)
    conv = build_conv_layer(dict(type="ConvWS", eps=1e-5), 3, 4, 3, padding=1, groups=1)
    assert isinstance(conv, nn.Conv2d)
    x = torch.randn(2, 3, 5, 5)
    w = conv.weight.detach()
    mean = w.mean(dim=(1, 2, 3), keepdim=True)
    std = w.std(dim=(1, 2, 3), keepdim=True)
    torch.testing.assert_close(conv(x), F.conv2d(x, (w - mean) / (std + 1e-5), conv.bias, padding=1))
    plain = nn.Conv2d(3, 4, 3, padding=1)
    assert conv.state_dict().keys() == plain.state_dict().keys()
    conv.load_state_dict(plain.state_dict(), strict=True)


def test_conv_ws_output_is_invariant_to_filter_scale_and_shift():
    torch.manual_seed(0)
    conv = ConvWS2d(2, 3, 3, bias=False, eps=0.0)
    x = torch.randn(1, 2, 6, 6)
    before = conv(x)
    with torch.no_grad():
        conv.weight.mul_(7.0).add_(3.0)
    torch.testing.assert_close(conv(x), before, rtol=1e-4, atol=1e-5)


def test_conv_aws_uses_gamma_and_beta():
    torch.manual_seed(0)
    conv = ConvAWS2d(2, 3, 1, bias=False)
    with torch.no_grad():
        conv.weight_gamma.fill_(2.0)
        conv.weight_beta.fill_(0.5)
    w = conv.weight.detach().flatten(1)
    standardised = (w - w.mean(1, keepdim=True)) / torch.sqrt(w.var(1, keepdim=True) + 1e-5)
    torch.testing.assert_close(conv.adapted_weight().detach().flatten(1), 2.0 * standardised + 0.5)
    assert list(conv.state_dict()) == ["weight", "weight_gamma", "weight_beta"]


def test_conv_aws_loads_a_plain_conv_checkpoint_as_the_same_function():
    torch.manual_seed(0)
    plain = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1))
    aws = nn.Sequential(ConvAWS2d(3, 4, 3, padding=1))
    result = aws.load_state_dict(plain.state_dict(), strict=True)  # torch's own strict load runs the layer's hook
    assert (result.missing_keys, result.unexpected_keys) == ([], [])
    x = torch.randn(2, 3, 5, 5)
    torch.testing.assert_close(aws(x), plain(x), rtol=1e-4, atol=1e-5)


def test_conv_aws_own_checkpoint_round_trips():
    torch.manual_seed(0)
    source = ConvAWS2d(2, 2, 3)
    with torch.no_grad():
        source.weight_gamma.uniform_(0.5, 2.0)
        source.weight_beta.uniform_(-1.0, 1.0)
    target = ConvAWS2d(2, 2, 3)
    target.load_state_dict(source.state_dict(), strict=True)
    torch.testing.assert_close(target.weight_gamma, source.weight_gamma)
    x = torch.randn(1, 2, 4, 4)
    torch.testing.assert_close(target(x), source(x))


def test_conv_aws_strict_load_without_weight_still_reports_missing():
    with pytest.raises(RuntimeError, match="Missing key"):
        ConvAWS2d(2, 2, 1).load_state_dict({"bias": torch.zeros(2)}, strict=True)


@pytest.mark.parametrize(
    ("size", "kernel", "stride", "dilation", "expected"),
    [
        (5, 3, 2, 1, (1, 1)),
        (6, 3, 2, 1, (0, 1)),
        (7, 3, 1, 2, (2, 2)),
        (8, 2, 2, 1, (0, 0)),
        (4, 5, 3, 1, (2, 2)),
        (4, 4, 3, 1, (1, 2)),
    ],
)
def test_same_padding_hand_computed(size, kernel, stride, dilation, expected):
    assert same_padding(size, kernel, stride, dilation) == expected


@pytest.mark.parametrize(("height", "width"), [(7, 6), (8, 8), (5, 9)])
def test_adaptive_padding_equals_explicit_pad_then_conv(height, width):
    torch.manual_seed(0)
    conv = build_conv_layer(dict(type="Conv2dAdaptivePadding"), 2, 3, (3, 2), stride=2)
    x = torch.randn(1, 2, height, width)
    out = conv(x)
    assert out.shape[-2:] == (math.ceil(height / 2), math.ceil(width / 2))
    top, bottom = same_padding(height, 3, 2, 1)
    left, right = same_padding(width, 2, 2, 1)
    torch.testing.assert_close(out, F.conv2d(F.pad(x, (left, right, top, bottom)), conv.weight, conv.bias, stride=2))


def test_adaptive_padding_bad_input():
    with pytest.raises(ValueError, match="padding is computed from the input size and must be 0, got 1"):
        Conv2dAdaptivePadding(1, 1, 3, padding=1)
    with pytest.raises(ValueError, match=r"expected a 4D \(N, C, H, W\) input, got shape \(1, 5, 5\)"):
        Conv2dAdaptivePadding(1, 1, 3)(torch.zeros(1, 5, 5))


def test_conv_ws_and_aws_honour_padding_mode():
    torch.manual_seed(0)
    x = torch.randn(1, 2, 4, 4)
    for cls in (ConvWS2d, ConvAWS2d):
        reflecting = cls(2, 3, 3, padding=1, padding_mode="reflect")
        unpadded = cls(2, 3, 3, padding=0)
        unpadded.load_state_dict(reflecting.state_dict())
        expected = unpadded(nn.functional.pad(x, (1, 1, 1, 1), mode="reflect"))
        torch.testing.assert_close(reflecting(x), expected)
        zero_padded = cls(2, 3, 3, padding=1)
        zero_padded.load_state_dict(reflecting.state_dict())
        assert not torch.allclose(zero_padded(x), expected)


def test_adaptive_padding_rejects_other_padding_modes():
    with pytest.raises(ValueError, match="padding_mode must be 'zeros'"):
        Conv2dAdaptivePadding(1, 1, 3, padding_mode="reflect")

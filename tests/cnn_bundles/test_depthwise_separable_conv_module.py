"""DepthwiseSeparableConvModule: a depthwise then a pointwise ConvModule."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F

from cnn_bundles import DepthwiseSeparableConvModule


def test_computes_depthwise_then_pointwise() -> None:
    module = DepthwiseSeparableConvModule(4, 6, 3, stride=2, padding=1, act_cfg=None)
    x = torch.randn(2, 4, 7, 7)
    dw, pw = module.depthwise_conv.conv, module.pointwise_conv.conv
    expected = F.conv2d(F.conv2d(x, dw.weight, dw.bias, stride=2, padding=1, groups=4), pw.weight, pw.bias)
    assert torch.allclose(module(x), expected, atol=1e-6)
    assert dw.weight.shape == (4, 1, 3, 3) and pw.weight.shape == (6, 4, 1, 1)


def test_state_dict_keys() -> None:
    module = DepthwiseSeparableConvModule(4, 6, 3, norm_cfg=dict(type="BN"))
    assert [k for k in module.state_dict() if k.endswith("weight")] == [
        "depthwise_conv.conv.weight",
        "depthwise_conv.bn.weight",
        "pointwise_conv.conv.weight",
        "pointwise_conv.bn.weight",
    ]


def test_shared_configs_apply_to_both_unless_overridden() -> None:
    module = DepthwiseSeparableConvModule(
        4, 6, 3, norm_cfg=dict(type="BN"), act_cfg=dict(type="ReLU6"), dw_act_cfg=None, pw_norm_cfg=None
    )
    assert module.depthwise_conv.norm_name == "bn" and not module.depthwise_conv.with_activation
    assert module.pointwise_conv.norm is None and type(module.pointwise_conv.activate).__name__ == "ReLU6"
    gn = DepthwiseSeparableConvModule(4, 6, 3, dw_norm_cfg=dict(type="GN", num_groups=2))
    assert gn.depthwise_conv.norm_name == "gn" and gn.pointwise_conv.norm is None


def test_other_arguments_reach_both_convs() -> None:
    module = DepthwiseSeparableConvModule(4, 6, 3, padding=1, padding_mode="reflect", inplace=False)
    assert module.depthwise_conv.with_explicit_padding and module.pointwise_conv.with_explicit_padding
    assert module.pointwise_conv.activate.inplace is False
    assert module(torch.randn(1, 4, 5, 5)).shape == (1, 6, 5, 5)


def test_groups_is_rejected() -> None:
    with pytest.raises(TypeError, match="groups=2 is not accepted"):
        DepthwiseSeparableConvModule(4, 6, 3, groups=2)


def test_bad_default_marker_is_rejected() -> None:
    with pytest.raises(ValueError, match="dw_act_cfg must be a dict, None or 'default', got 'relu'"):
        DepthwiseSeparableConvModule(4, 6, 3, dw_act_cfg="relu")


def test_configs_are_not_mutated() -> None:
    norm_cfg, act_cfg = dict(type="BN", requires_grad=True), dict(type="ReLU")
    saved = copy.deepcopy((norm_cfg, act_cfg))
    DepthwiseSeparableConvModule(4, 6, 3, norm_cfg=norm_cfg, act_cfg=act_cfg, pw_act_cfg=act_cfg)
    assert (norm_cfg, act_cfg) == saved

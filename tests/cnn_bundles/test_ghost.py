"""GhostModule and GhostBottleneck (seed 003), against hand-built equivalents."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from cnn_bundles import ConvModule, GhostBottleneck, GhostModule, make_divisible


def conv_bn(module: ConvModule, x: torch.Tensor) -> torch.Tensor:
    """The eval-mode conv + BN of a ConvModule, by hand."""
    conv, bn = module.conv, module.bn
    y = F.conv2d(x, conv.weight, None, conv.stride, conv.padding, conv.dilation, conv.groups)
    return F.batch_norm(y, bn.running_mean, bn.running_var, bn.weight, bn.bias, False, 0.0, bn.eps)


@pytest.mark.parametrize(("out_channels", "ratio"), [(16, 2), (15, 2), (30, 3), (7, 4)])
def test_ghost_module_channels_follow_the_seed(out_channels: int, ratio: int) -> None:
    ghost = GhostModule(8, out_channels, ratio=ratio)
    primary = math.ceil(out_channels / ratio)
    assert ghost.primary_conv.conv.out_channels == primary
    assert ghost.cheap_operation.conv.out_channels == primary * (ratio - 1)
    assert ghost.cheap_operation.conv.groups == primary
    assert ghost(torch.randn(2, 8, 6, 6)).shape == (2, out_channels, 6, 6)


def test_ghost_module_computes_the_seed_formula(random_bn) -> None:
    ghost = random_bn(GhostModule(6, 10, kernel_size=3, ratio=2, dw_size=3, stride=2)).eval()
    x = torch.randn(2, 6, 8, 8)
    x1 = F.relu(conv_bn(ghost.primary_conv, x))
    x2 = F.relu(conv_bn(ghost.cheap_operation, x1))
    expected = torch.cat([x1, x2], dim=1)[:, :10]
    assert torch.allclose(ghost(x), expected, atol=1e-5)
    assert ghost.primary_conv.conv.padding == (1, 1) and ghost.primary_conv.conv.stride == (2, 2)


def test_ghost_module_linear_and_configurable() -> None:
    ghost = GhostModule(4, 8, act_cfg=None, norm_cfg=dict(type="GN", num_groups=2))
    assert not ghost.primary_conv.with_activation and ghost.primary_conv.norm_name == "gn"
    ghost.eval()
    x = torch.randn(1, 4, 4, 4)
    assert (ghost(x) < 0).any()


@pytest.mark.parametrize("ratio", [1, 0, 2.0, True])
def test_ghost_module_rejects_bad_ratio(ratio: object) -> None:
    with pytest.raises(ValueError, match=f"ratio must be an int of at least 2, got {ratio!r}"):
        GhostModule(4, 8, ratio=ratio)  # type: ignore[arg-type]


def test_bottleneck_identity_shortcut_and_no_se_by_default() -> None:
    block = GhostBottleneck(8, 16, 8)
    assert isinstance(block.shortcut, nn.Identity) and block.se is None and block.conv_dw is None
    assert not block.ghost2.primary_conv.with_activation and block.ghost1.primary_conv.with_activation


@pytest.mark.parametrize(("in_ch", "out_ch", "stride"), [(8, 12, 1), (8, 8, 2), (8, 12, 2)])
def test_bottleneck_projection_shortcut(in_ch: int, out_ch: int, stride: int) -> None:
    block = GhostBottleneck(in_ch, 16, out_ch, stride=stride)
    assert isinstance(block.shortcut, nn.Sequential)
    dw, pw = block.shortcut
    assert dw.conv.groups == in_ch and dw.conv.stride == (stride, stride) and not dw.with_activation
    assert pw.conv.kernel_size == (1, 1) and pw.conv.out_channels == out_ch and not pw.with_activation
    assert (block.conv_dw is not None) is (stride > 1)
    assert block(torch.randn(2, in_ch, 8, 8)).shape == (2, out_ch, 8 // stride, 8 // stride)


def test_bottleneck_computes_the_seed_formula(random_bn) -> None:
    block = random_bn(GhostBottleneck(6, 12, 10, dw_kernel_size=5, stride=2, se_ratio=0.25)).eval()
    x = torch.randn(2, 6, 8, 8)
    out = block.ghost1(x)
    out = conv_bn(block.conv_dw, out)
    se = block.se
    squeezed = out.mean(dim=(2, 3), keepdim=True)
    gate = F.hardsigmoid(se.conv2.conv(F.relu(se.conv1.conv(squeezed))))
    out = block.ghost2(out * gate)
    shortcut = conv_bn(block.shortcut[1], conv_bn(block.shortcut[0], x))
    assert torch.allclose(block(x), out + shortcut, atol=1e-5)
    assert block.conv_dw.conv.padding == (2, 2)


@pytest.mark.parametrize(("mid", "se_ratio", "squeeze"), [(16, 0.25, 4), (72, 0.25, 20), (120, 0.25, 32)])
def test_se_squeeze_channels_are_rounded_to_multiples_of_4(mid: int, se_ratio: float, squeeze: int) -> None:
    assert GhostBottleneck(8, mid, 8, se_ratio=se_ratio).se.conv1.conv.out_channels == squeeze
    assert make_divisible(mid * se_ratio, 4) == squeeze


@pytest.mark.parametrize("se_ratio", [0.0, None])
def test_se_disabled(se_ratio: float | None) -> None:
    assert GhostBottleneck(8, 16, 8, se_ratio=se_ratio).se is None


def test_bottleneck_gradients_reach_every_parameter() -> None:
    block = GhostBottleneck(4, 8, 6, stride=2, se_ratio=0.5)
    block(torch.randn(2, 4, 6, 6)).square().sum().backward()
    assert all(p.grad is not None for p in block.parameters())


def test_bottleneck_bad_arguments() -> None:
    with pytest.raises(ValueError, match="stride must be a positive int, got 0"):
        GhostBottleneck(4, 8, 4, stride=0)
    with pytest.raises(ValueError, match=r"se_ratio must be >= 0 or None, got -0.5"):
        GhostBottleneck(4, 8, 4, se_ratio=-0.5)


@pytest.mark.parametrize(
    ("value", "divisor", "expected"), [(30, 8, 32), (10, 8, 16), (4, 4, 4), (18, 4, 20), (1, 8, 8), (100, 8, 104)]
)
def test_make_divisible_hand_computed(value: float, divisor: int, expected: int) -> None:
    assert make_divisible(value, divisor) == expected


def test_make_divisible_rejects_bad_divisor() -> None:
    with pytest.raises(ValueError, match="divisor must be a positive int, got 0"):
        make_divisible(10, 0)


@pytest.mark.parametrize("min_ratio", [0, 1.5])
def test_make_divisible_rejects_a_min_ratio_outside_zero_to_one(min_ratio: float) -> None:
    with pytest.raises(ValueError, match=rf"min_ratio must be in \(0, 1\], got {min_ratio}"):
        make_divisible(10, 8, min_ratio=min_ratio)

"""NonLocal1d/2d/3d: every mode against a position-by-position computation."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from cnn_bundles import NonLocal1d, NonLocal2d, NonLocal3d

MODES = ["gaussian", "embedded_gaussian", "dot_product", "concatenation"]


def pointwise(module: nn.Module, x: torch.Tensor) -> torch.Tensor:
    """A 1x1 ConvModule (no norm, no act) applied to [C, P] position vectors."""
    conv = module.conv
    return conv.weight.reshape(conv.out_channels, -1) @ x + conv.bias[:, None]


def reference(block: NonLocal2d, x: torch.Tensor) -> torch.Tensor:
    """y_i = sum_j f(x_i, x_j) g(x_j), out = x + W y, one sample and one pair at a time."""
    outputs = []
    for sample in x:
        flat = sample.reshape(sample.shape[0], -1)  # [C, P]
        g = pointwise(block.g, flat)
        if block.mode == "gaussian":
            theta, phi = flat, flat
        else:
            theta, phi = pointwise(block.theta, flat), pointwise(block.phi, flat)
        positions = flat.shape[1]
        f = torch.empty(positions, positions)
        for i in range(positions):
            for j in range(positions):
                if block.mode == "concatenation":
                    w = block.concat_project.conv.weight.reshape(-1)
                    f[i, j] = torch.relu(w @ torch.cat([theta[:, i], phi[:, j]])) / positions
                else:
                    f[i, j] = theta[:, i] @ phi[:, j]
        if block.mode == "dot_product":
            f = f / positions
        elif block.mode in ("gaussian", "embedded_gaussian"):
            if block.mode == "embedded_gaussian" and block.use_scale:
                f = f / math.sqrt(block.inter_channels)
            f = f.softmax(dim=1)
        y = g @ f.T  # [C', P]
        outputs.append(sample + pointwise(block.conv_out, y).reshape(sample.shape))
    return torch.stack(outputs)


@pytest.mark.parametrize("mode", MODES)
def test_each_mode_matches_the_pairwise_definition(mode: str) -> None:
    block = NonLocal2d(6, reduction=2, mode=mode, zeros_init=False, std=0.3)
    x = torch.randn(2, 6, 2, 3)
    assert torch.allclose(block(x), reference(block, x), atol=1e-5)


def test_use_scale_false() -> None:
    block = NonLocal2d(6, use_scale=False, zeros_init=False, std=0.3)
    x = torch.randn(1, 6, 3, 3)
    assert torch.allclose(block(x), reference(block, x), atol=1e-5)


@pytest.mark.parametrize("mode", MODES)
def test_new_block_is_the_identity_and_learns(mode: str) -> None:
    block = NonLocal2d(8, mode=mode)
    x = torch.randn(2, 8, 4, 4)
    assert torch.equal(block(x), x)
    block(x).square().sum().backward()
    assert block.conv_out.conv.weight.grad is not None and block.conv_out.conv.weight.grad.abs().sum() > 0


@pytest.mark.parametrize("mode", MODES)
def test_sub_sample_pools_keys_and_values(mode: str) -> None:
    block = NonLocal2d(8, mode=mode, sub_sample=True, zeros_init=False)
    assert isinstance(block.g, nn.Sequential) and isinstance(block.g[1], nn.MaxPool2d)
    assert block(torch.randn(1, 8, 4, 6)).shape == (1, 8, 4, 6)


@pytest.mark.parametrize("mode", ["embedded_gaussian", "gaussian"])
def test_3d_sub_sample_pools_space_not_time(mode: str) -> None:
    block = NonLocal3d(4, sub_sample=True, mode=mode, zeros_init=False)
    x = torch.randn(1, 4, 3, 4, 6)
    keys = block.phi(x)
    assert keys.shape[2:] == (3, 2, 3)  # all 3 frames, half the rows and columns
    pooled = torch.nn.functional.max_pool3d(block.g[0](x), kernel_size=(1, 2, 2))
    torch.testing.assert_close(block.g(x), pooled, rtol=0, atol=0)
    assert block(x).shape == x.shape


@pytest.mark.peer
def test_3d_sub_sampled_block_equals_mmcv() -> None:
    mmcv_cnn = pytest.importorskip("mmcv.cnn")
    torch.manual_seed(0)
    ours = NonLocal3d(4, sub_sample=True, zeros_init=False).eval()
    theirs = mmcv_cnn.NonLocal3d(4, sub_sample=True, zeros_init=False).eval()
    theirs.load_state_dict(ours.state_dict())
    x = torch.randn(1, 4, 3, 4, 6)
    torch.testing.assert_close(ours(x), theirs(x))


def test_norm_cfg_on_conv_out_and_its_zero_init() -> None:
    block = NonLocal2d(8, norm_cfg=dict(type="BN"))
    assert block.conv_out.norm_name == "bn" and torch.equal(block.conv_out.bn.weight, torch.zeros(8))


def test_state_dict_keys_match_mmcv() -> None:
    keys = set(NonLocal2d(8, mode="concatenation").state_dict())
    assert {"g.conv.weight", "theta.conv.weight", "phi.conv.weight", "conv_out.conv.weight"} <= keys
    assert "concat_project.conv.weight" in keys and "concat_project.conv.bias" not in keys
    assert not any(k.startswith(("theta", "phi")) for k in NonLocal2d(8, mode="gaussian").state_dict())


def test_1d_and_3d() -> None:
    assert isinstance(NonLocal1d(4).g.conv, nn.Conv1d)
    assert NonLocal1d(4, sub_sample=True, zeros_init=False)(torch.randn(2, 4, 8)).shape == (2, 4, 8)
    block = NonLocal3d(4, sub_sample=True, mode="concatenation", zeros_init=False)
    assert isinstance(block.g[0].conv, nn.Conv3d) and isinstance(block.g[1], nn.MaxPool3d)
    assert block(torch.randn(1, 4, 2, 4, 4)).shape == (1, 4, 2, 4, 4)


def test_bad_mode_and_reduction() -> None:
    with pytest.raises(ValueError, match="mode must be one of .* got 'softmax'"):
        NonLocal2d(8, mode="softmax")
    with pytest.raises(ValueError, match="reduction must be a positive int, got 0"):
        NonLocal2d(8, reduction=0)


def test_init_weights_restores_the_default_init() -> None:
    block = NonLocal2d(8)
    with torch.no_grad():
        block.conv_out.conv.weight.fill_(3.0)
        block.g.conv.weight.fill_(3.0)
    block.init_weights()
    assert torch.equal(block.conv_out.conv.weight, torch.zeros_like(block.conv_out.conv.weight))
    assert block.g.conv.weight.std().item() == pytest.approx(0.01, rel=0.5)

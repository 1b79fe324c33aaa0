"""ConvModule(efficient_conv_bn_eval=True): BatchNorm folded into the conv on the fly."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from cnn_bundles import ConvModule

pytestmark = pytest.mark.filterwarnings("ignore:ConvModule. a conv bias before")


def pair(random_bn, **kwargs) -> tuple[ConvModule, ConvModule]:
    plain = random_bn(ConvModule(3, 6, 3, padding=1, norm_cfg=dict(type="BN"), **kwargs))
    efficient = copy.deepcopy(plain)
    efficient.efficient_conv_bn_eval = True
    return plain, efficient


@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("affine", [True, False])
def test_outputs_equal_the_plain_module_in_eval_mode(random_bn, bias: bool, affine: bool) -> None:
    plain = random_bn(ConvModule(3, 6, 3, padding=1, bias=bias, norm_cfg=dict(type="BN", affine=affine)).eval())
    efficient = copy.deepcopy(plain)
    efficient.efficient_conv_bn_eval = True
    assert efficient.efficient_conv_bn_eval
    x = torch.randn(2, 3, 5, 5)
    assert torch.allclose(efficient(x), plain(x), atol=1e-5)


def test_no_batchnorm_runs_in_eval_mode(random_bn) -> None:
    _, efficient = pair(random_bn)
    efficient.eval()
    calls = []
    efficient.bn.register_forward_hook(lambda *args: calls.append(args))
    efficient(torch.randn(1, 3, 4, 4))
    assert calls == []
    efficient(torch.randn(1, 3, 4, 4), norm=False)  # norm=False: only the conv runs
    assert calls == []


def test_gradients_reach_the_conv_and_the_batchnorm_affine_parameters(random_bn) -> None:
    plain, efficient = pair(random_bn, bias=True)
    plain.eval()
    efficient.eval()
    x = torch.randn(2, 3, 5, 5)
    target = torch.randn(2, 6, 5, 5)
    for module in (plain, efficient):
        ((module(x) - target) ** 2).sum().backward()
    for (name, p_plain), p_eff in zip(plain.named_parameters(), efficient.parameters(), strict=True):
        assert p_eff.grad is not None, name
        assert torch.allclose(p_eff.grad, p_plain.grad, rtol=1e-4, atol=1e-5), name
    assert {n for n, _ in efficient.named_parameters()} == {"conv.weight", "conv.bias", "bn.weight", "bn.bias"}


def test_training_mode_uses_batch_statistics_and_updates_running_ones(random_bn) -> None:
    plain, efficient = pair(random_bn)
    x = torch.randn(4, 3, 5, 5)
    assert torch.allclose(efficient(x), plain(x), atol=1e-5)
    assert torch.allclose(efficient.bn.running_mean, plain.bn.running_mean)
    assert efficient.bn.num_batches_tracked.item() == 1


def test_norm_false_skips_the_norm(random_bn) -> None:
    plain, efficient = pair(random_bn)
    x = torch.randn(1, 3, 4, 4)
    assert torch.equal(efficient.eval()(x, norm=False), plain.eval()(x, norm=False))


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(norm_cfg=dict(type="GN", num_groups=2)),
        dict(norm_cfg=dict(type="BN"), order=("norm", "conv", "act")),
        dict(norm_cfg=dict(type="BN"), order=("conv", "act", "norm")),
        dict(norm_cfg=dict(type="BN", track_running_stats=False)),
        dict(norm_cfg=dict(type="BN"), with_spectral_norm=True),
        dict(norm_cfg=None),
    ],
)
def test_has_no_effect_where_folding_does_not_apply(kwargs: dict) -> None:
    module = ConvModule(4, 4, 3, padding=1, efficient_conv_bn_eval=True, **kwargs).eval()
    assert module.efficient_conv_bn_eval is False
    reference = copy.deepcopy(module)
    x = torch.randn(2, 4, 5, 5)
    assert torch.equal(module(x), reference(x))


def test_padding_layer_and_folding_combine(random_bn) -> None:
    plain, efficient = pair(random_bn, padding_mode="reflect")
    x = torch.randn(1, 3, 6, 6)
    assert efficient.efficient_conv_bn_eval
    assert torch.allclose(efficient.eval()(x), plain.eval()(x), atol=1e-5)


def test_works_for_conv3d(random_bn) -> None:
    plain = random_bn(ConvModule(2, 4, 3, conv_cfg=dict(type="Conv3d"), norm_cfg=dict(type="BN3d")).eval())
    efficient = copy.deepcopy(plain)
    efficient.efficient_conv_bn_eval = True
    x = torch.randn(1, 2, 4, 4, 4)
    assert torch.allclose(efficient(x), plain(x), atol=1e-5)


def test_frozen_batchnorm_in_a_training_model_is_folded(random_bn) -> None:
    """The norm_eval pattern: the model trains, its BatchNorms stay in eval mode."""
    plain, efficient = pair(random_bn)
    for module in (plain, efficient):
        module.train()
        module.bn.eval()
    x = torch.randn(2, 3, 4, 4, requires_grad=True)
    out = efficient(x)
    assert torch.allclose(out, plain(x), atol=1e-5)
    out.sum().backward()
    assert x.grad is not None and isinstance(efficient.bn, nn.BatchNorm2d)


def test_circular_padding_inside_the_conv_is_kept(random_bn) -> None:
    plain, efficient = pair(random_bn, padding_mode="circular")
    x = torch.randn(1, 3, 6, 6)
    assert efficient.conv.padding_mode == "circular"
    assert torch.allclose(efficient.eval()(x), plain.eval()(x), atol=1e-5)


def test_the_switch_must_be_a_bool() -> None:
    module = ConvModule(3, 6, 3, norm_cfg=dict(type="BN"))
    with pytest.raises(TypeError, match="ConvModule: efficient_conv_bn_eval must be a bool, got 'yes'"):
        module.efficient_conv_bn_eval = "yes"  # type: ignore[assignment]
    assert module.efficient_conv_bn_eval is False

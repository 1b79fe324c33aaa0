"""The init functions: distributions, formulas, exact values and bad arguments."""

import math

import pytest
import torch
from torch import nn

from cnn_init import (
    bias_init_with_prob,
    caffe2_xavier_init,
    constant_init,
    kaiming_init,
    normal_init,
    trunc_normal_init,
    uniform_init,
    xavier_init,
)

# Conv2d(64, 128, 5): 204800 weights, fan_in = 64 * 5 * 5, fan_out = 128 * 5 * 5 (computed by hand).
FAN_IN, FAN_OUT = 64 * 25, 128 * 25


@pytest.fixture
def conv():
    torch.manual_seed(0)
    return nn.Conv2d(64, 128, 5)


def assert_stats(tensor, mean, std, rel=0.01):
    assert tensor.mean().item() == pytest.approx(mean, abs=0.01 * std)
    assert tensor.std().item() == pytest.approx(std, rel=rel)


def test_constant_init_is_exact():
    bn = nn.BatchNorm2d(3)
    constant_init(bn, 1.5, bias=-2)
    assert torch.equal(bn.weight, torch.full((3,), 1.5))
    assert torch.equal(bn.bias, torch.full((3,), -2.0))


def test_constant_init_default_bias_is_zero():
    fc = nn.Linear(3, 2)
    constant_init(fc, 0.25)
    assert torch.equal(fc.weight, torch.full((2, 3), 0.25))
    assert torch.equal(fc.bias, torch.zeros(2))


def test_normal_init_distribution(conv):
    normal_init(conv, mean=0.5, std=0.02, bias=0.3)
    assert_stats(conv.weight, 0.5, 0.02)
    assert torch.allclose(conv.bias, torch.full((128,), 0.3))


def test_normal_init_default_is_standard_normal(conv):
    normal_init(conv)
    assert_stats(conv.weight, 0.0, 1.0)
    assert torch.equal(conv.bias, torch.zeros(128))


def test_normal_init_std_zero_gives_the_mean():
    fc = nn.Linear(4, 4)
    normal_init(fc, mean=0.7, std=0)
    assert torch.allclose(fc.weight, torch.full((4, 4), 0.7))


def _std_normal_pdf(x):
    return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def _std_normal_cdf(x):
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def test_trunc_normal_init_default_bounds(conv):
    trunc_normal_init(conv)
    # Truncated to [-2, 2] in std units: var = 1 - (b*pdf(b) - a*pdf(a)) / (cdf(b) - cdf(a)).
    z = _std_normal_cdf(2) - _std_normal_cdf(-2)
    expected_std = math.sqrt(1 - (2 * _std_normal_pdf(2) * 2) / z)
    assert expected_std == pytest.approx(0.8796, abs=1e-4)
    assert conv.weight.min().item() >= -2 and conv.weight.max().item() <= 2
    assert_stats(conv.weight, 0.0, expected_std)


def test_trunc_normal_init_bounds_are_absolute(conv):
    trunc_normal_init(conv, mean=1.0, std=0.1, a=0.9, b=1.1, bias=0.5)
    assert conv.weight.min().item() >= 0.9 and conv.weight.max().item() <= 1.1
    z = _std_normal_cdf(1) - _std_normal_cdf(-1)
    expected_std = 0.1 * math.sqrt(1 - 2 * _std_normal_pdf(1) / z)
    assert_stats(conv.weight, 1.0, expected_std)
    assert torch.allclose(conv.bias, torch.full((128,), 0.5))


def test_trunc_normal_init_small_std_truncates_nothing(conv):
    trunc_normal_init(conv, std=0.02)
    assert_stats(conv.weight, 0.0, 0.02)


def test_uniform_init_distribution(conv):
    uniform_init(conv, a=-0.3, b=0.5, bias=1)
    w = conv.weight
    assert w.min().item() >= -0.3 and w.max().item() < 0.5
    assert_stats(w, 0.1, 0.8 / math.sqrt(12))
    assert torch.equal(conv.bias, torch.ones(128))


def test_uniform_init_default_range(conv):
    uniform_init(conv)
    assert conv.weight.min().item() >= 0 and conv.weight.max().item() < 1
    assert_stats(conv.weight, 0.5, 1 / math.sqrt(12))


@pytest.mark.parametrize("gain", [1.0, math.sqrt(2)])
def test_xavier_normal_std(conv, gain):
    xavier_init(conv, gain=gain, bias=0.1)
    assert_stats(conv.weight, 0.0, gain * math.sqrt(2 / (FAN_IN + FAN_OUT)))
    assert torch.allclose(conv.bias, torch.full((128,), 0.1))


def test_xavier_uniform_bound(conv):
    gain = nn.init.calculate_gain("tanh")
    xavier_init(conv, gain=gain, distribution="uniform")
    bound = gain * math.sqrt(6 / (FAN_IN + FAN_OUT))
    assert conv.weight.abs().max().item() <= bound
    assert conv.weight.abs().max().item() > 0.99 * bound
    assert_stats(conv.weight, 0.0, bound / math.sqrt(3))


def test_xavier_default_is_normal_with_zero_bias(conv):
    xavier_init(conv)
    assert_stats(conv.weight, 0.0, math.sqrt(2 / (FAN_IN + FAN_OUT)))
    # A normal sample exceeds the uniform bound; a uniform one never does.
    assert conv.weight.abs().max().item() > math.sqrt(6 / (FAN_IN + FAN_OUT))
    assert torch.equal(conv.bias, torch.zeros(128))


def test_kaiming_default_is_fan_out_relu_normal(conv):
    kaiming_init(conv)
    assert_stats(conv.weight, 0.0, math.sqrt(2) / math.sqrt(FAN_OUT))
    assert torch.equal(conv.bias, torch.zeros(128))


def test_kaiming_fan_out_draws_what_torch_kaiming_normal_draws():
    """The same numbers as torchvision's ResNet conv init (torch's kaiming_normal_), from the same RNG state."""
    conv_a, conv_b = nn.Conv2d(8, 16, 3), nn.Conv2d(8, 16, 3)
    torch.manual_seed(5)
    kaiming_init(conv_a, mode="fan_out", nonlinearity="relu")
    torch.manual_seed(5)
    nn.init.kaiming_normal_(conv_b.weight, mode="fan_out", nonlinearity="relu")
    assert torch.equal(conv_a.weight, conv_b.weight)


@pytest.mark.parametrize(("mode", "fan"), [("fan_in", FAN_IN), ("fan_out", FAN_OUT)])
@pytest.mark.parametrize(("nonlinearity", "a"), [("relu", 0), ("leaky_relu", 0.1), ("tanh", 0), ("linear", 0)])
def test_kaiming_normal_follows_gain_and_fan(conv, mode, fan, nonlinearity, a):
    kaiming_init(conv, a=a, mode=mode, nonlinearity=nonlinearity, bias=0.2)
    gain = nn.init.calculate_gain(nonlinearity, a)
    assert_stats(conv.weight, 0.0, gain / math.sqrt(fan))
    assert torch.allclose(conv.bias, torch.full((128,), 0.2))


def test_kaiming_leaky_relu_gain_matches_formula():
    assert nn.init.calculate_gain("leaky_relu", 0.1) == pytest.approx(math.sqrt(2 / (1 + 0.1**2)))


def test_kaiming_uniform_bound(conv):
    kaiming_init(conv, mode="fan_in", distribution="uniform")
    bound = math.sqrt(2) * math.sqrt(3 / FAN_IN)
    assert conv.weight.abs().max().item() <= bound
    assert_stats(conv.weight, 0.0, bound / math.sqrt(3))


def test_kaiming_on_linear_uses_its_fans():
    torch.manual_seed(0)
    fc = nn.Linear(400, 600)  # weight (600, 400): fan_in 400, fan_out 600
    kaiming_init(fc, mode="fan_in")
    assert_stats(fc.weight, 0.0, math.sqrt(2 / 400))


def test_caffe2_xavier_is_uniform_sqrt3_over_fan_in(conv):
    caffe2_xavier_init(conv, bias=0.5)
    bound = math.sqrt(3 / FAN_IN)
    assert conv.weight.abs().max().item() <= bound
    assert conv.weight.abs().max().item() > 0.99 * bound
    assert_stats(conv.weight, 0.0, bound / math.sqrt(3))
    assert torch.equal(conv.bias, torch.full((128,), 0.5))


def test_caffe2_xavier_equals_kaiming_uniform_a1_fan_in():
    a, b = nn.Conv2d(8, 4, 3), nn.Conv2d(8, 4, 3)
    torch.manual_seed(3)
    caffe2_xavier_init(a)
    torch.manual_seed(3)
    nn.init.kaiming_uniform_(b.weight, a=1, mode="fan_in", nonlinearity="leaky_relu")
    assert torch.equal(a.weight, b.weight)


@pytest.mark.parametrize(("p", "expected"), [(0.01, -4.59511985013459), (0.5, 0.0), (0.9, 2.1972245773362196)])
def test_bias_init_with_prob_exact(p, expected):
    assert bias_init_with_prob(p) == pytest.approx(expected, abs=1e-12)
    assert bias_init_with_prob(p) == pytest.approx(-math.log((1 - p) / p), abs=1e-12)
    assert torch.sigmoid(torch.tensor(bias_init_with_prob(p), dtype=torch.float64)).item() == pytest.approx(p)


ALL = [
    lambda m: constant_init(m, 1),
    xavier_init,
    normal_init,
    trunc_normal_init,
    uniform_init,
    kaiming_init,
    caffe2_xavier_init,
]


@pytest.mark.parametrize("init", ALL)
@pytest.mark.parametrize("module", [nn.ReLU(), nn.Identity(), nn.Dropout()], ids=["relu", "identity", "dropout"])
def test_module_without_parameters_is_accepted(init, module):
    init(module)


@pytest.mark.parametrize("init", ALL)
def test_bias_free_module_gets_its_weight_set(init):
    torch.manual_seed(0)
    conv = nn.Conv2d(4, 4, 3, bias=False)
    before = conv.weight.clone()
    init(conv)
    assert not torch.equal(conv.weight, before)
    assert conv.bias is None


@pytest.mark.parametrize("init", [normal_init, uniform_init, trunc_normal_init, lambda m: constant_init(m, 0)])
def test_weight_free_module_gets_its_bias_set(init):
    class BiasOnly(nn.Module):
        def __init__(self):
            super().__init__()
            self.bias = nn.Parameter(torch.full((3,), 9.0))

    module = BiasOnly()
    init(module)
    assert torch.equal(module.bias, torch.zeros(3))


def test_affine_free_norm_is_accepted():
    bn = nn.BatchNorm2d(3, affine=False)
    constant_init(bn, 1)
    normal_init(bn)
    assert bn.weight is None


@pytest.mark.parametrize("init", [xavier_init, kaiming_init, caffe2_xavier_init])
def test_fan_based_init_refuses_a_1d_weight(init):
    with pytest.raises(ValueError, match=r"BatchNorm2d has a weight of shape \(3,\).*at least 2 dimensions"):
        init(nn.BatchNorm2d(3))


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (
            lambda: xavier_init(nn.Linear(2, 2), distribution="gaussian"),
            ValueError,
            r"distribution must be one of 'normal', 'uniform', got 'gaussian'",
        ),
        (
            lambda: kaiming_init(nn.Linear(2, 2), distribution="Normal"),
            ValueError,
            r"kaiming_init: distribution .* got 'Normal'",
        ),
        (
            lambda: kaiming_init(nn.Linear(2, 2), mode="fan_avg"),
            ValueError,
            r"kaiming_init: mode must be one of 'fan_in', 'fan_out', got 'fan_avg'",
        ),
        (
            lambda: kaiming_init(nn.Linear(2, 2), nonlinearity="gelu"),
            ValueError,
            r"nonlinearity must be one of .*'relu'.* got 'gelu'",
        ),
        (lambda: normal_init(nn.Linear(2, 2), std=-0.1), ValueError, r"normal_init: std must be >= 0, got -0.1"),
        (
            lambda: trunc_normal_init(nn.Linear(2, 2), std=-1),
            ValueError,
            r"trunc_normal_init: std must be >= 0, got -1",
        ),
        (
            lambda: trunc_normal_init(nn.Linear(2, 2), a=1, b=1),
            ValueError,
            r"a must be smaller than .* b, got a=1.0, b=1.0",
        ),
        (lambda: uniform_init(nn.Linear(2, 2), a=1, b=0), ValueError, r"uniform_init: .*a=1.0, b=0.0"),
        (lambda: xavier_init(nn.Linear(2, 2), gain=-1), ValueError, r"xavier_init: gain must be >= 0, got -1"),
        (lambda: bias_init_with_prob(0), ValueError, r"prior_prob must be in the open interval \(0, 1\), got 0"),
        (lambda: bias_init_with_prob(1.0), ValueError, r"prior_prob .* got 1.0"),
        (lambda: bias_init_with_prob(-0.2), ValueError, r"prior_prob .* got -0.2"),
        (lambda: bias_init_with_prob("0.1"), TypeError, r"prior_prob must be a real number, got str: '0.1'"),
        (
            lambda: normal_init(nn.Linear(2, 2), mean=float("nan")),
            ValueError,
            r"normal_init: mean must be finite, got nan",
        ),
        (
            lambda: constant_init(nn.Linear(2, 2), val=None),
            TypeError,
            r"constant_init: val must be a real number, got NoneType",
        ),
        (
            lambda: constant_init(nn.Linear(2, 2), 1, bias=True),
            TypeError,
            r"constant_init: bias must be a real number, got bool",
        ),
        (
            lambda: caffe2_xavier_init(nn.Linear(2, 2), bias="0"),
            TypeError,
            r"caffe2_xavier_init: bias must be a real number",
        ),
        (
            lambda: normal_init(torch.zeros(3, 3)),
            TypeError,
            r"normal_init: module must be a torch.nn.Module, got Tensor",
        ),
        (lambda: kaiming_init("conv"), TypeError, r"kaiming_init: module must be a torch.nn.Module, got str: 'conv'"),
    ],
)
def test_bad_arguments(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()


def test_bad_arguments_leave_the_module_unchanged():
    fc = nn.Linear(3, 3)
    before = fc.weight.clone(), fc.bias.clone()
    with pytest.raises(ValueError, match="distribution"):
        kaiming_init(fc, bias=5, distribution="bad")
    assert torch.equal(fc.weight, before[0]) and torch.equal(fc.bias, before[1])

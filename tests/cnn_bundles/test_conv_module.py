"""ConvModule: the seed's examples, every argument and order, names, init and errors."""

from __future__ import annotations

import copy
import itertools
import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from cnn_bundles import ConvModule

ORDERS = list(itertools.permutations(("conv", "norm", "act")))


def test_seed_examples_build_the_layers_they_name() -> None:
    x = torch.rand(2, 3, 7, 7)
    # conv + bn + relu
    conv = ConvModule(3, 8, 2, norm_cfg=dict(type="BN"))
    assert [type(m) for m in conv.children()] == [nn.Conv2d, nn.BatchNorm2d, nn.ReLU]
    assert conv(x).shape == (2, 8, 6, 6)
    # conv + gn + relu
    conv = ConvModule(3, 8, 2, norm_cfg=dict(type="GN", num_groups=2))
    assert isinstance(conv.gn, nn.GroupNorm) and conv.gn.num_groups == 2
    # conv + relu
    conv = ConvModule(3, 8, 2)
    assert [type(m) for m in conv.children()] == [nn.Conv2d, nn.ReLU] and conv.conv.bias is not None
    # conv
    conv = ConvModule(3, 8, 2, act_cfg=None)
    assert [type(m) for m in conv.children()] == [nn.Conv2d]
    assert torch.equal(conv(x), conv.conv(x))
    # conv + leaky relu
    conv = ConvModule(3, 8, 3, padding=1, act_cfg=dict(type="LeakyReLU"))
    assert isinstance(conv.activate, nn.LeakyReLU) and conv(x).shape == (2, 8, 7, 7)
    # bn + conv + relu
    conv = ConvModule(3, 8, 2, norm_cfg=dict(type="BN"), order=("norm", "conv", "act"))
    assert conv.bn.num_features == 3
    assert conv.order == ("norm", "conv", "act")


@pytest.mark.parametrize("order", ORDERS)
def test_every_order_computes_the_layers_in_that_order(order: tuple[str, str, str]) -> None:
    module = ConvModule(4, 4, 3, padding=1, norm_cfg=dict(type="BN"), act_cfg=dict(type="Tanh"), order=order)
    module.eval()
    with torch.no_grad():
        module.bn.running_mean.uniform_(-1, 1)
        module.bn.weight.uniform_(0.5, 2)
    layers = {"conv": module.conv, "norm": module.bn, "act": module.activate}
    x = torch.randn(2, 4, 5, 5)
    expected = x
    for name in order:
        expected = layers[name](expected)
    assert torch.allclose(module(x), expected, atol=1e-6)


def test_norm_before_conv_normalises_the_input_channels() -> None:
    assert ConvModule(3, 8, 1, norm_cfg=dict(type="BN"), order=("act", "norm", "conv")).bn.num_features == 3
    assert ConvModule(3, 8, 1, norm_cfg=dict(type="BN"), order=("conv", "act", "norm")).bn.num_features == 8


@pytest.mark.parametrize(
    "order",
    [("conv", "norm"), ("conv", "norm", "norm"), ("conv", "norm", "relu"), "conv,norm,act", None, ("conv", "act")],
)
def test_bad_order_is_a_value_error_naming_it(order: object) -> None:
    with pytest.raises(ValueError, match="order must be a permutation") as info:
        ConvModule(3, 8, 1, order=order)  # type: ignore[arg-type]
    assert repr(order) in str(info.value)


def test_order_given_as_a_list_is_stored_as_a_tuple() -> None:
    assert ConvModule(3, 8, 1, order=["act", "conv", "norm"]).order == ("act", "conv", "norm")


@pytest.mark.parametrize(
    ("norm_cfg", "bias", "has_bias"),
    [(None, "auto", True), (dict(type="BN"), "auto", False), (dict(type="BN"), True, True), (None, False, False)],
)
@pytest.mark.filterwarnings("ignore:ConvModule. a conv bias before")
def test_bias(norm_cfg: dict | None, bias: bool | str, has_bias: bool) -> None:
    module = ConvModule(3, 8, 1, norm_cfg=norm_cfg, bias=bias)
    assert (module.conv.bias is not None) is has_bias
    assert module.with_bias is has_bias


def test_explicit_bias_before_batchnorm_warns() -> None:
    with pytest.warns(UserWarning, match="cancelled by the norm"):
        ConvModule(3, 8, 1, norm_cfg=dict(type="BN"), bias=True)


def test_bad_bias_is_a_value_error() -> None:
    with pytest.raises(ValueError, match=r"bias must be 'auto', True or False, got 'yes'"):
        ConvModule(3, 8, 1, bias="yes")


@pytest.mark.parametrize(("padding_mode", "torch_mode"), [("reflect", "reflect"), ("replicate", "replicate")])
def test_reflect_and_replicate_padding_use_a_padding_layer(padding_mode: str, torch_mode: str) -> None:
    module = ConvModule(2, 3, 3, padding=1, padding_mode=padding_mode, act_cfg=None)
    assert module.conv.padding == (0, 0) and hasattr(module, "padding_layer")
    x = torch.randn(1, 2, 5, 5)
    expected = F.conv2d(F.pad(x, (1, 1, 1, 1), mode=torch_mode), module.conv.weight, module.conv.bias)
    assert torch.allclose(module(x), expected, atol=1e-6)
    assert list(module.state_dict()) == ["conv.weight", "conv.bias"]


@pytest.mark.parametrize("padding_mode", ["zeros", "circular"])
def test_zeros_and_circular_padding_stay_in_the_conv(padding_mode: str) -> None:
    module = ConvModule(2, 3, 3, padding=1, padding_mode=padding_mode)
    assert not hasattr(module, "padding_layer")
    assert module.conv.padding_mode == padding_mode and module.conv.padding == (1, 1)


def test_unknown_padding_mode_names_it() -> None:
    with pytest.raises(KeyError, match="'mirror'"):
        ConvModule(2, 3, 3, padding=1, padding_mode="mirror")


@pytest.mark.parametrize(
    ("act_cfg", "inplace_expected"),
    [
        (dict(type="ReLU"), True),
        (dict(type="LeakyReLU"), True),
        (dict(type="ReLU6"), True),
        (dict(type="ELU"), True),
        (dict(type="SiLU"), True),
        (dict(type="Swish"), True),
        (dict(type="Mish"), True),
        (dict(type="Clamp", min=-0.5, max=0.5), None),
        (dict(type="GELU"), None),
        (dict(type="Sigmoid"), None),
        (dict(type="HSigmoid"), None),
        (dict(type="Tanh"), None),
        (dict(type="PReLU"), None),
    ],
)
def test_inplace_reaches_only_activations_that_take_it(act_cfg: dict, inplace_expected: bool | None) -> None:
    module = ConvModule(3, 4, 1, act_cfg=act_cfg, inplace=True)
    assert getattr(module.activate, "inplace", None) is inplace_expected
    x = torch.randn(1, 3, 4, 4)
    assert torch.allclose(module(x), module.activate(module.conv(x)))
    assert getattr(ConvModule(3, 4, 1, act_cfg=act_cfg, inplace=False).activate, "inplace", None) in (None, False)


def test_act_cfg_inplace_wins_over_the_argument() -> None:
    assert ConvModule(3, 4, 1, act_cfg=dict(type="ReLU", inplace=False), inplace=True).activate.inplace is False


@pytest.mark.parametrize(
    ("norm_cfg", "name", "cls"),
    [
        (dict(type="BN"), "bn", nn.BatchNorm2d),
        (dict(type="GN", num_groups=2), "gn", nn.GroupNorm),
        (dict(type="IN", affine=True), "in", nn.InstanceNorm2d),
        (dict(type="LN"), "ln", nn.LayerNorm),
    ],
)
def test_state_dict_keys_match_openmmlab_names(norm_cfg: dict, name: str, cls: type) -> None:
    module = ConvModule(3, 8, 3, padding=1, norm_cfg=norm_cfg)
    assert isinstance(getattr(module, name), cls)
    if name != "ln":  # torch's LayerNorm normalises the last axis, which is not the channels of a feature map
        assert module(torch.rand(2, 3, 4, 4)).shape == (2, 8, 4, 4)
    keys = [k for k in module.state_dict() if not k.endswith("num_batches_tracked")]
    expected = ["conv.weight", f"{name}.weight", f"{name}.bias"]
    if name == "bn":
        expected += ["bn.running_mean", "bn.running_var"]
    assert keys == expected
    assert module.norm is getattr(module, name) and module.norm_name == name


def test_state_dict_loads_an_openmmlab_style_checkpoint_strictly() -> None:
    source = ConvModule(3, 8, 3, norm_cfg=dict(type="BN"))
    checkpoint = {k: torch.randn_like(v) if v.is_floating_point() else v for k, v in source.state_dict().items()}
    target = ConvModule(3, 8, 3, norm_cfg=dict(type="BN"))
    target.load_state_dict(checkpoint, strict=True)
    assert torch.equal(target.conv.weight, checkpoint["conv.weight"])


def test_default_init_is_kaiming_fan_out_and_unit_norm() -> None:
    torch.manual_seed(0)
    module = ConvModule(16, 64, 3, norm_cfg=dict(type="BN"))
    fan_out = 64 * 3 * 3
    assert module.conv.weight.std().item() == pytest.approx(math.sqrt(2 / fan_out), rel=0.05)
    assert torch.equal(module.bn.weight, torch.ones(64)) and torch.equal(module.bn.bias, torch.zeros(64))


def test_default_init_uses_the_leaky_relu_gain() -> None:
    torch.manual_seed(0)
    module = ConvModule(16, 64, 3, act_cfg=dict(type="LeakyReLU", negative_slope=0.5))
    gain = math.sqrt(2 / (1 + 0.5**2))
    assert module.conv.weight.std().item() == pytest.approx(gain / math.sqrt(64 * 9), rel=0.05)
    assert torch.equal(module.conv.bias, torch.zeros(64))


def test_init_cfg_replaces_the_default_init() -> None:
    module = ConvModule(3, 8, 1, norm_cfg=dict(type="BN"), init_cfg=dict(type="Constant", val=0.5, layer="Conv2d"))
    module.init_weights()
    assert torch.equal(module.conv.weight, torch.full_like(module.conv.weight, 0.5))


def test_init_weights_without_init_cfg_redoes_the_default() -> None:
    module = ConvModule(3, 8, 1, norm_cfg=dict(type="BN"))
    with torch.no_grad():
        module.bn.weight.fill_(7)
    module.init_weights()
    assert torch.equal(module.bn.weight, torch.ones(8))


def test_forward_can_skip_norm_and_activation() -> None:
    module = ConvModule(3, 8, 3, norm_cfg=dict(type="BN"), act_cfg=dict(type="Tanh")).eval()
    with torch.no_grad():
        module.bn.running_mean.fill_(0.3)
    x = torch.randn(1, 3, 5, 5)
    assert torch.equal(module(x, activate=False, norm=False), module.conv(x))
    assert torch.equal(module(x, activate=False), module.bn(module.conv(x)))
    assert torch.equal(module(x, norm=False), torch.tanh(module.conv(x)))


def test_conv_cfg_chooses_the_convolution() -> None:
    module = ConvModule(3, 8, 3, conv_cfg=dict(type="Conv3d"), norm_cfg=dict(type="BN3d"))
    assert isinstance(module.conv, nn.Conv3d) and isinstance(module.bn, nn.BatchNorm3d)
    assert module(torch.rand(1, 3, 4, 4, 4)).shape == (1, 8, 2, 2, 2)


def test_stride_dilation_groups_reach_the_conv_and_are_exported() -> None:
    module = ConvModule(4, 8, 3, stride=2, padding=2, dilation=2, groups=2)
    assert (module.conv.stride, module.conv.dilation, module.conv.groups) == ((2, 2), (2, 2), 2)
    assert (module.in_channels, module.out_channels, module.kernel_size) == (4, 8, (3, 3))
    assert (module.stride, module.padding, module.dilation, module.groups) == ((2, 2), 2, (2, 2), 2)


def test_spectral_norm_keeps_mmcv_state_dict_keys_and_normalises() -> None:
    module = ConvModule(3, 8, 3, with_spectral_norm=True, act_cfg=None)
    assert sorted(module.state_dict()) == ["conv.bias", "conv.weight_orig", "conv.weight_u", "conv.weight_v"]
    for _ in range(30):
        module(torch.rand(1, 3, 5, 5))
    sigma = torch.linalg.matrix_norm(module.conv.weight.reshape(8, -1), ord=2)
    assert sigma.item() == pytest.approx(1.0, abs=0.05)


def test_configs_are_not_mutated() -> None:
    act_cfg = dict(type="ReLU")
    norm_cfg = dict(type="GN", num_groups=2, requires_grad=True)
    conv_cfg = dict(type="Conv2d")
    saved = copy.deepcopy((act_cfg, norm_cfg, conv_cfg))
    ConvModule(3, 8, 1, conv_cfg=conv_cfg, norm_cfg=norm_cfg, act_cfg=act_cfg, inplace=False)
    assert (act_cfg, norm_cfg, conv_cfg) == saved


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(norm_cfg="BN"), TypeError, r"norm_cfg must be a dict or None, got str: 'BN'"),
        (dict(act_cfg=["ReLU"]), TypeError, r"act_cfg must be a dict or None, got list"),
        (dict(inplace="yes"), TypeError, r"inplace must be a bool, got str: 'yes'"),
        (dict(efficient_conv_bn_eval=1), TypeError, r"efficient_conv_bn_eval must be a bool, got int: 1"),
        (dict(padding_mode=0), TypeError, r"padding_mode must be a str, got int: 0"),
    ],
)
def test_bad_arguments_name_the_argument_and_value(kwargs: dict, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        ConvModule(3, 8, 1, **kwargs)


def test_gradients_reach_every_parameter() -> None:
    module = ConvModule(3, 8, 3, norm_cfg=dict(type="GN", num_groups=2), bias=True, act_cfg=dict(type="PReLU"))
    module(torch.randn(2, 3, 5, 5)).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in module.parameters())


class PlainConv(nn.Module):
    """A conv type with mmcv's minimal signature: no padding_mode."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True):
        super().__init__()
        self.inner = nn.Conv2d(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias)
        for name in ("in_channels", "out_channels", "kernel_size", "stride", "dilation", "groups"):
            setattr(self, name, getattr(self.inner, name))
        self.transposed, self.output_padding = False, (0, 0)
        self.weight = self.inner.weight

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(x)


def test_conv_type_without_padding_mode_argument() -> None:
    module = ConvModule(3, 4, 3, padding=1, conv_cfg=dict(type=PlainConv), norm_cfg=dict(type="BN"))
    assert isinstance(module.conv, PlainConv) and module(torch.randn(1, 3, 5, 5)).shape == (1, 4, 5, 5)
    reflect = ConvModule(3, 4, 3, padding=1, padding_mode="reflect", conv_cfg=dict(type=PlainConv))
    assert reflect(torch.randn(1, 3, 5, 5)).shape == (1, 4, 5, 5)


def test_leaky_relu_given_as_a_class_gets_its_gain() -> None:
    torch.manual_seed(0)
    module = ConvModule(16, 64, 3, act_cfg=dict(type=nn.LeakyReLU, negative_slope=0.5))
    gain = math.sqrt(2 / (1 + 0.5**2))
    assert module.conv.weight.std().item() == pytest.approx(gain / math.sqrt(64 * 9), rel=0.05)


def test_spectral_norm_init_weights_keeps_the_conv_and_resets_the_norm() -> None:
    module = ConvModule(3, 8, 3, norm_cfg=dict(type="BN"), with_spectral_norm=True)
    before = module.conv.weight_orig.detach().clone()
    with torch.no_grad():
        module.bn.weight.fill_(5)
    module.init_weights()
    assert torch.equal(module.conv.weight_orig, before) and torch.equal(module.bn.weight, torch.ones(8))

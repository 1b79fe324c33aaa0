"""What each builder adds to a plain registry lookup: names, conventions and errors."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from cnn_layers import (
    ACTIVATION_LAYERS,
    PLUGIN_LAYERS,
    build_activation_layer,
    build_conv_layer,
    build_dropout,
    build_norm_layer,
    build_padding_layer,
    build_plugin_layer,
    build_upsample_layer,
    infer_norm_abbr,
    infer_plugin_abbr,
    is_norm,
)
from cnn_registry import MissingTypeError, UnknownTypeError

BUILDERS = {
    "build_conv_layer": lambda cfg: build_conv_layer(cfg, 2, 2, 1),
    "build_norm_layer": lambda cfg: build_norm_layer(cfg, 2),
    "build_activation_layer": build_activation_layer,
    "build_upsample_layer": build_upsample_layer,
    "build_padding_layer": lambda cfg: build_padding_layer(cfg, 1),
    "build_plugin_layer": build_plugin_layer,
    "build_dropout": build_dropout,
}


def test_conv_cfg_none_is_conv2d():
    conv = build_conv_layer(None, 3, 8, 3, padding=1, bias=False)
    assert type(conv) is nn.Conv2d
    assert (conv.in_channels, conv.out_channels, conv.kernel_size, conv.padding, conv.bias) == (
        3,
        8,
        (3, 3),
        (1, 1),
        None,
    )


def test_conv_cfg_options_and_caller_arguments_combine():
    cfg = dict(type="Conv2d", dilation=2)
    conv = build_conv_layer(cfg, 4, 4, kernel_size=3, padding=2)
    assert conv.dilation == (2, 2)
    assert conv(torch.zeros(1, 4, 5, 5)).shape == (1, 4, 5, 5)
    with pytest.raises(TypeError, match="dilation"):
        build_conv_layer(cfg, 4, 4, kernel_size=3, dilation=1)
    assert cfg == dict(type="Conv2d", dilation=2)


@pytest.mark.parametrize(
    ("cfg", "postfix", "name"),
    [
        (dict(type="BN"), 1, "bn1"),
        (dict(type="BN1d"), "", "bn"),
        (dict(type="BN3d"), "_x", "bn_x"),
        (dict(type="GN", num_groups=2), 3, "gn3"),
        (dict(type="LN"), 2, "ln2"),
        (dict(type="IN"), 1, "in1"),
        (dict(type="IN3d"), "", "in"),
    ],
)
def test_norm_layer_names(cfg, postfix, name):
    assert build_norm_layer(cfg, 4, postfix=postfix)[0] == name


def test_norm_abbr_comes_from_abbr_attribute_then_base_class_then_name():
    class Custom(nn.BatchNorm2d):
        _abbr_ = "custom"

    class MyGroupNormalisation(nn.Module):
        pass

    class Strange(nn.Module):
        pass

    assert infer_norm_abbr(Custom) == "custom"
    assert infer_norm_abbr(type("SubBN", (nn.BatchNorm2d,), {})) == "bn"
    assert infer_norm_abbr(type("Weird", (nn.InstanceNorm1d,), {})) == "in"
    assert infer_norm_abbr(MyGroupNormalisation) == "gn"
    assert infer_norm_abbr(Strange) == "norm_layer"
    with pytest.raises(TypeError, match="norm_cls must be a class"):
        infer_norm_abbr(nn.BatchNorm2d(2))


def test_norm_types_match_torch_numerically():
    x = torch.randn(2, 4, 3, 3)
    gn = build_norm_layer(dict(type="GN", num_groups=2, eps=1e-3), 4)[1]
    assert gn.eps == 1e-3
    torch.testing.assert_close(gn(x), nn.functional.group_norm(x, 2, eps=1e-3))


def test_norm_requires_grad_false_freezes_and_true_trains():
    frozen = build_norm_layer(dict(type="GN", num_groups=2, requires_grad=False), 4)[1]
    trained = build_norm_layer(dict(type="BN", requires_grad=True), 4)[1]
    assert [p.requires_grad for p in frozen.parameters()] == [False, False]
    assert [p.requires_grad for p in trained.parameters()] == [True, True]
    with pytest.raises(TypeError, match="requires_grad"):
        build_norm_layer(dict(type="BN", requires_grad="no"), 4)


def test_norm_cfg_options_reach_the_layer():
    _, bn = build_norm_layer(dict(type="BN", momentum=0.03, eps=1e-3, affine=False), 4)
    assert (bn.momentum, bn.eps, bn.weight) == (0.03, 1e-3, None)


def test_norm_accepts_a_class_as_type():
    name, layer = build_norm_layer(dict(type=nn.BatchNorm1d), 3, postfix=2)
    assert name == "bn2"
    assert type(layer) is nn.BatchNorm1d


def test_gn_without_num_groups_is_a_clear_error():
    with pytest.raises(ValueError, match=r"build_norm_layer: 'GN' needs num_groups"):
        build_norm_layer(dict(type="GN"), 8)


@pytest.mark.parametrize(
    ("num_features", "error", "match"),
    [
        (None, TypeError, "num_features is required"),
        (0, ValueError, "num_features must be a positive int, got 0"),
        (-4, ValueError, "num_features must be a positive int, got -4"),
        (2.0, TypeError, "num_features must be a positive int, got float: 2.0"),
        (True, TypeError, "num_features must be a positive int, got bool: True"),
        ("8", TypeError, "num_features must be a positive int, got str: '8'"),
    ],
)
def test_norm_bad_num_features(num_features, error, match):
    with pytest.raises(error, match=f"build_norm_layer: {match}"):
        build_norm_layer(dict(type="BN"), num_features)


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((-3, 8, 3), {}, ValueError, "in_channels must be a positive int, got -3"),
        (("3", 8, 3), {}, TypeError, "in_channels must be a positive int, got str: '3'"),
        ((0, 8, 3), {}, ValueError, "in_channels must be a positive int, got 0"),
        ((), dict(in_channels=3, out_channels=0, kernel_size=3), ValueError, "out_channels must be a positive int"),
        ((3, 8, 0), {}, ValueError, "kernel_size must be a positive int or a tuple of them, got 0"),
        ((3, 8, (3, -1)), {}, ValueError, r"kernel_size must be a positive int or a tuple of them, got \(3, -1\)"),
        ((3, 8, 3), dict(stride=0), ValueError, "stride must be a positive int or a tuple of them, got 0"),
        ((3, 8, 3), dict(groups=0), ValueError, "groups must be a positive int, got 0"),
        ((3, 8, 3), dict(dilation="2"), TypeError, "dilation must be a positive int or a tuple of them, got str"),
    ],
)
def test_conv_bad_sizes_name_the_argument(args, kwargs, error, match):
    with pytest.raises(error, match=f"^build_conv_layer: {match}"):
        build_conv_layer(None, *args, **kwargs)


@pytest.mark.parametrize(
    ("cfg", "error", "match"),
    [
        (dict(type="GN", num_groups=0), ValueError, "num_groups must be a positive int, got 0"),
        (dict(type="GN", num_groups=-2), ValueError, "num_groups must be a positive int, got -2"),
        (dict(type="GN", num_groups="2"), TypeError, "num_groups must be a positive int, got str: '2'"),
        (dict(type="BN", eps=-1), ValueError, "eps must be a finite number >= 0, got -1"),
        (dict(type="LN", eps=float("nan")), ValueError, "eps must be a finite number >= 0, got nan"),
        (dict(type="IN", eps="1e-5"), TypeError, "eps must be a number >= 0, got str: '1e-5'"),
    ],
)
def test_norm_bad_sizes_name_the_argument(cfg, error, match):
    with pytest.raises(error, match=f"^build_norm_layer: {match}"):
        build_norm_layer(cfg, 8)


class _Gate(nn.Module):
    def __init__(self, in_channels):
        super().__init__()
        self.conv = nn.Conv2d(in_channels, 1, 1)


def test_conv_eps_and_upsample_and_plugin_sizes_are_checked():
    with pytest.raises(ValueError, match="^build_conv_layer: eps must be a finite number >= 0, got -1"):
        build_conv_layer(dict(type="ConvWS", eps=-1), 3, 8, 3)
    with pytest.raises(ValueError, match="^build_upsample_layer: out_channels must be a positive int, got -4"):
        build_upsample_layer(dict(type="deconv"), 8, -4, kernel_size=2)
    with pytest.raises(TypeError, match="^build_plugin_layer: in_channels must be a positive int, got str: '8'"):
        build_plugin_layer(dict(type=_Gate), in_channels="8")


def test_good_sizes_still_build():
    assert build_conv_layer(dict(type="ConvWS", eps=0.0), 3, 8, (3, 1), stride=(2, 1)).eps == 0.0
    assert build_norm_layer(dict(type="GN", num_groups=8, eps=0), 8)[1].num_groups == 8


def test_norm_bad_postfix_and_stray_keywords():
    with pytest.raises(TypeError, match="postfix must be an int or a str, got list"):
        build_norm_layer(dict(type="BN"), 4, postfix=[1])
    with pytest.raises(TypeError, match=r"unexpected keyword argument\(s\) \['momentum'\]"):
        build_norm_layer(dict(type="BN"), 4, momentum=0.1)


def test_norm_wrong_input_dimensionality_names_what_was_expected():
    _, bn = build_norm_layer(dict(type="BN1d"), 4)
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        bn(torch.zeros(2, 4, 3, 3))


def test_activation_inplace_is_accepted_by_every_type_and_passed_where_taken():
    for name, _ in ACTIVATION_LAYERS.items():
        cfg = dict(type=name, inplace=True)
        layer = build_activation_layer(cfg)
        assert cfg == dict(type=name, inplace=True)
        if hasattr(layer, "inplace"):
            assert layer.inplace is True, name


def test_inplace_activation_really_works_in_place():
    relu = build_activation_layer(dict(type="ReLU", inplace=True))
    x = torch.tensor([-1.0, 2.0])
    relu(x)
    assert x.tolist() == [0.0, 2.0]


def test_activation_options_reach_the_layer():
    assert build_activation_layer(dict(type="LeakyReLU", negative_slope=0.3)).negative_slope == 0.3
    assert build_activation_layer(dict(type="GELU", approximate="tanh")).approximate == "tanh"
    clip = build_activation_layer(dict(type="Clip", min=0.0, max=2.0))
    assert clip(torch.tensor([-1.0, 1.0, 3.0])).tolist() == [0.0, 1.0, 2.0]


def test_hsigmoid_hand_computed_and_bad_arguments():
    from cnn_layers import HSigmoid

    layer = HSigmoid(bias=1.0, divisor=2.0)  # the older OpenMMLab default
    assert layer(torch.tensor([-3.0, -1.0, 0.0, 0.5, 3.0])).tolist() == [0.0, 0.0, 0.5, 0.75, 1.0]
    with pytest.raises(ValueError, match="divisor must not be zero"):
        HSigmoid(divisor=0)
    with pytest.raises(ValueError, match="min_value"):
        HSigmoid(min_value=2.0, max_value=1.0)


def test_clamp_bad_range():
    from cnn_layers import Clamp

    with pytest.raises(ValueError, match=r"Clamp: min \(1.0\) must not exceed max \(0.0\)"):
        Clamp(min=1.0, max=0.0)


def test_upsample_interpolation_types_set_the_mode():
    assert build_upsample_layer(dict(type="nearest", scale_factor=2)).mode == "nearest"
    bilinear = build_upsample_layer(dict(type="bilinear", scale_factor=2, align_corners=False))
    x = torch.arange(4.0).view(1, 1, 2, 2)
    torch.testing.assert_close(bilinear(x), nn.functional.interpolate(x, scale_factor=2, mode="bilinear"))
    with pytest.raises(ValueError, match="mode='bicubic'"):
        build_upsample_layer(dict(type="nearest", mode="bicubic", scale_factor=2))
    assert build_upsample_layer(dict(type="Upsample", mode="bicubic", scale_factor=2)).mode == "bicubic"


def test_pixel_shuffle_hand_computed():
    up = build_upsample_layer(
        dict(type="pixel_shuffle", in_channels=1, out_channels=1, scale_factor=2, upsample_kernel=1)
    )
    with torch.no_grad():
        up.upsample_conv.weight.copy_(torch.tensor([1.0, 10.0, 100.0, 1000.0]).view(4, 1, 1, 1))
        up.upsample_conv.bias.zero_()
    out = up(torch.tensor([[[[1.0, 2.0]]]]))
    # channel c*4 + i*2 + j lands at (h*2 + i, w*2 + j)
    assert out.tolist() == [[[[1.0, 10.0, 2.0, 20.0], [100.0, 1000.0, 200.0, 2000.0]]]]
    assert list(up.state_dict()) == ["upsample_conv.weight", "upsample_conv.bias"]


def test_pixel_shuffle_bad_arguments():
    with pytest.raises(ValueError, match="upsample_kernel must be odd"):
        build_upsample_layer(
            dict(type="pixel_shuffle", in_channels=1, out_channels=1, scale_factor=2, upsample_kernel=2)
        )
    with pytest.raises(ValueError, match="scale_factor must be a positive int, got 0"):
        build_upsample_layer(
            dict(type="pixel_shuffle", in_channels=1, out_channels=1, scale_factor=0, upsample_kernel=1)
        )


def test_padding_layers_pad_like_torch():
    x = torch.arange(9.0).view(1, 1, 3, 3)
    for name, mode in (("zero", "constant"), ("reflect", "reflect"), ("replicate", "replicate")):
        torch.testing.assert_close(
            build_padding_layer(dict(type=name), 1)(x), nn.functional.pad(x, (1, 1, 1, 1), mode=mode)
        )


class ChannelGate(nn.Module):
    def __init__(self, in_channels, reduction=2):
        super().__init__()
        self.fc = nn.Conv2d(in_channels, in_channels // reduction, 1)


class Marked(nn.Module):
    _abbr_ = "marked_block"

    def __init__(self, in_channels):
        super().__init__()


@pytest.mark.usefixtures("restore_registries")
def test_plugin_layers_are_named_from_abbr_or_snake_case():
    PLUGIN_LAYERS.register_module(module=ChannelGate)
    PLUGIN_LAYERS.register_module(module=Marked)
    cfg = dict(type="ChannelGate", reduction=4)
    name, layer = build_plugin_layer(cfg, postfix=1, in_channels=8)
    assert (name, layer.fc.out_channels) == ("channel_gate1", 2)
    assert cfg == dict(type="ChannelGate", reduction=4)
    assert build_plugin_layer(dict(type="Marked"), in_channels=8)[0] == "marked_block"
    assert infer_plugin_abbr(type("NonLocal2d", (), {})) == "non_local2d"
    with pytest.raises(TypeError, match="postfix must be an int or a str"):
        build_plugin_layer(dict(type="Marked"), postfix=None, in_channels=8)


@pytest.mark.parametrize("builder", sorted(BUILDERS))
def test_cfg_that_is_not_a_dict_is_a_type_error(builder):
    with pytest.raises(TypeError, match=f"{builder}: cfg must be a dict such as dict\\(type='...'\\), got str: 'X'"):
        BUILDERS[builder]("X")


@pytest.mark.parametrize("builder", sorted(BUILDERS))
def test_cfg_without_type_names_the_builder(builder):
    cfg = dict(num_groups=2)
    with pytest.raises(MissingTypeError, match=f"{builder}: cfg must have a 'type' key"):
        BUILDERS[builder](cfg)
    assert cfg == dict(num_groups=2)


@pytest.mark.parametrize("builder", sorted(BUILDERS))
def test_unknown_type_keeps_the_registry_error_and_names_the_builder(builder):
    cfg = dict(type="NoSuchLayer")
    with pytest.raises(UnknownTypeError) as info:
        BUILDERS[builder](copy.deepcopy(cfg))
    assert str(info.value).startswith(f"{builder}: 'NoSuchLayer' is not in the ")
    assert "Registered names:" in str(info.value)
    assert info.value.name == "NoSuchLayer"


def test_close_names_are_suggested():
    with pytest.raises(UnknownTypeError, match="Did you mean: 'BN3d'"):
        build_norm_layer(dict(type="BN3D"), 4)


@pytest.mark.parametrize(
    ("builder", "cfg", "hint"),
    [
        ("build_conv_layer", dict(type="GN"), "'GN' is a norm layer type, not a conv layer type: use build_norm_layer"),
        ("build_activation_layer", dict(type="reflect"), "use build_padding_layer"),
        ("build_padding_layer", dict(type="ReLU"), "use build_activation_layer"),
        ("build_norm_layer", dict(type="pixel_shuffle"), "use build_upsample_layer"),
    ],
)
def test_a_type_of_another_builder_says_which_builder_to_use(builder, cfg, hint):
    with pytest.raises(UnknownTypeError, match=hint):
        BUILDERS[builder](cfg)


def test_type_that_is_neither_name_nor_class():
    with pytest.raises(TypeError, match=r"cfg\['type'\] must be a registered name or a class, got int: 3"):
        build_norm_layer(dict(type=3), 4)


@pytest.mark.parametrize(
    ("layer", "expected"),
    [
        (nn.BatchNorm2d(4), True),
        (nn.SyncBatchNorm(4), True),
        (nn.InstanceNorm2d(4), True),
        (nn.GroupNorm(2, 4), True),
        (nn.LayerNorm(4), True),
        (nn.Conv2d(4, 4, 1), False),
        (nn.Linear(4, 4), False),
        ("BN", False),
    ],
)
def test_is_norm(layer, expected):
    assert is_norm(layer) is expected


def test_is_norm_exclude():
    assert is_norm(build_norm_layer(dict(type="SyncBN"), 4)[1])
    assert not is_norm(nn.GroupNorm(2, 4), exclude=nn.GroupNorm)
    assert not is_norm(nn.LayerNorm(4), exclude=(nn.GroupNorm, nn.LayerNorm))
    assert is_norm(nn.BatchNorm1d(4), exclude=(nn.GroupNorm, nn.LayerNorm))
    assert not is_norm(nn.BatchNorm3d(4), exclude=nn.modules.batchnorm._BatchNorm)
    for bad in ("GroupNorm", [nn.GroupNorm], (nn.GroupNorm, "LN")):
        with pytest.raises(TypeError, match="is_norm: exclude must be None, a class or a tuple of classes"):
            is_norm(nn.GroupNorm(2, 4), exclude=bad)


@pytest.mark.peer
def test_is_norm_agrees_with_mmcv():
    mmcv_cnn = pytest.importorskip("mmcv.cnn")
    from cnn_layers import SyncBatchNorm, build_norm_layer, is_norm

    layers = [nn.BatchNorm1d(4), nn.BatchNorm3d(4), SyncBatchNorm(4), nn.InstanceNorm2d(4), nn.GroupNorm(2, 4)]
    layers += [nn.LayerNorm(4), build_norm_layer(dict(type="IN"), 4)[1], nn.Conv2d(4, 4, 1), nn.Linear(4, 4), nn.ReLU()]
    for exclude in (None, nn.GroupNorm, (nn.LayerNorm, nn.modules.batchnorm._BatchNorm)):
        assert [is_norm(m, exclude) for m in layers] == [mmcv_cnn.is_norm(m, exclude) for m in layers], exclude

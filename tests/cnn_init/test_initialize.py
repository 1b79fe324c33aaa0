"""initialize(module, init_cfg): layer matching, overrides, lists, warnings and errors."""

import copy
import warnings

import pytest
import torch
from torch import nn

from cnn_init import UnusedInitCfgWarning, bias_init_with_prob, initialize


def full(t, value):
    return torch.equal(t, torch.full_like(t, value))


class Foo(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3)
        self.bn = nn.BatchNorm2d(4)
        self.reg = nn.Linear(4, 2)
        self.cls = nn.Sequential(nn.Linear(4, 4), nn.Linear(4, 1))


@pytest.fixture
def foo():
    torch.manual_seed(0)
    return Foo()


def test_layer_by_class_name(foo):
    initialize(foo, dict(type="Constant", val=1, bias=2, layer="Linear"))
    assert full(foo.reg.weight, 1) and full(foo.reg.bias, 2)
    assert full(foo.cls[1].weight, 1)
    assert not full(foo.conv.weight, 1)


def test_layer_list(foo):
    initialize(foo, dict(type="Constant", val=3, layer=["Conv2d", "BatchNorm2d"]))
    assert full(foo.conv.weight, 3) and full(foo.bn.weight, 3)
    assert not full(foo.reg.weight, 3)


@pytest.mark.parametrize("layer", ["_BatchNorm", "_NormBase"])
def test_layer_by_base_class_reaches_every_batchnorm(layer):
    model = nn.Sequential(
        nn.BatchNorm1d(2), nn.BatchNorm2d(2), nn.BatchNorm3d(2), nn.SyncBatchNorm(2), nn.GroupNorm(1, 2)
    )
    initialize(model, dict(type="Constant", val=0.5, layer=layer))
    assert [full(m.weight, 0.5) for m in model] == [True, True, True, True, False]


def test_layer_by_conv_base_class():
    model = nn.Sequential(nn.Conv1d(2, 2, 1), nn.Conv2d(2, 2, 1), nn.ConvTranspose2d(2, 2, 1), nn.Linear(2, 2))
    initialize(model, dict(type="Constant", val=2, layer="_ConvNd"))
    assert [full(m.weight, 2) for m in model] == [True, True, True, False]


def test_layer_matches_a_user_base_class():
    class MyConvBase(nn.Conv2d):
        pass

    class MyConv(MyConvBase):
        pass

    model = nn.Sequential(MyConv(2, 2, 1), nn.Conv2d(2, 2, 1))
    initialize(model, dict(type="Constant", val=4, layer="MyConvBase"))
    assert full(model[0].weight, 4) and not full(model[1].weight, 4)


def test_override_wins_over_layer(foo):
    initialize(
        foo,
        dict(type="Constant", val=1, bias=2, layer="Linear", override=dict(type="Constant", name="reg", val=3, bias=4)),
    )
    assert full(foo.reg.weight, 3) and full(foo.reg.bias, 4)
    assert full(foo.cls[0].weight, 1) and full(foo.cls[0].bias, 2)


def test_override_with_only_name_inherits_outer_arguments(foo):
    initialize(foo, dict(type="Constant", val=5, bias=6, layer="Conv2d", override=dict(name="reg")))
    assert full(foo.reg.weight, 5) and full(foo.reg.bias, 6)
    assert full(foo.conv.weight, 5)


def test_override_without_layer_initialises_only_the_override(foo):
    conv_before = foo.conv.weight.clone()
    initialize(foo, dict(type="Constant", val=5, override=dict(name="cls")))
    assert full(foo.cls[0].weight, 5) and full(foo.cls[1].weight, 5)  # the whole submodule
    assert torch.equal(foo.conv.weight, conv_before)
    assert not full(foo.reg.weight, 5)


def test_override_list_and_dotted_name(foo):
    initialize(
        foo,
        dict(
            type="Constant",
            val=1,
            layer="Linear",
            override=[dict(name="reg", type="Constant", val=7), dict(name="cls.1", type="Constant", val=8)],
        ),
    )
    assert full(foo.reg.weight, 7) and full(foo.cls[1].weight, 8) and full(foo.cls[0].weight, 1)


def test_override_bias_prob(foo):
    initialize(
        foo,
        dict(
            type="Normal", std=0.01, layer="Conv2d", override=dict(type="Normal", name="reg", std=0.01, bias_prob=0.01)
        ),
    )
    assert torch.allclose(foo.reg.bias, torch.full((2,), bias_init_with_prob(0.01)))
    assert full(foo.conv.bias, 0)


def test_whole_module_fan_based_override_skips_norm_layers():
    model = nn.Sequential(nn.Conv2d(2, 2, 3), nn.BatchNorm2d(2))
    model[1].weight.data.fill_(3)
    initialize(model, dict(type="Kaiming", override=dict(name="0")))
    initialize(nn.ModuleDict({"block": model}), dict(type="Kaiming", bias=1, override=dict(name="block")))
    assert full(model[0].bias, 1)
    assert full(model[1].weight, 3)


def test_later_cfgs_win(foo):
    initialize(foo, [dict(type="Constant", val=1, layer="Linear"), dict(type="Constant", val=2, layer="Linear")])
    assert full(foo.reg.weight, 2)


def test_initialize_never_mutates_its_cfg(foo):
    cfg = [
        dict(type="Constant", val=1, layer=["Linear"], override=[dict(name="reg"), dict(name="conv", type="Xavier")]),
        dict(type="Normal", std=0.1, layer="Conv2d", bias_prob=0.1),
    ]
    snapshot = copy.deepcopy(cfg)
    initialize(foo, cfg)
    initialize(foo, tuple(cfg))
    assert cfg == snapshot


def test_initialize_a_single_layer_directly():
    fc = nn.Linear(2, 2)
    initialize(fc, dict(type="Constant", val=1, layer="Linear"))
    assert full(fc.weight, 1)


def test_cfg_matching_nothing_warns_naming_it(foo):
    with pytest.warns(
        UnusedInitCfgWarning, match=r"init_cfg Constant\(val=1, layer='Conv3d'\) of Foo matched no submodule"
    ) as record:
        initialize(foo, dict(type="Constant", val=1, layer="Conv3d"))
    assert "BatchNorm2d, Conv2d, Foo, Linear, Sequential" in str(record[0].message)


def test_cfg_with_neither_layer_nor_override_warns(foo):
    before = copy.deepcopy(foo.state_dict())
    with pytest.warns(UnusedInitCfgWarning, match=r"init_cfg Constant\(val=1\) of Foo initializes nothing: .*'layer'"):
        initialize(foo, dict(type="Constant", val=1))
    assert all(torch.equal(v, before[k]) for k, v in foo.state_dict().items())


def test_override_that_sets_nothing_warns(foo):
    foo.act = nn.ReLU()
    with pytest.warns(UnusedInitCfgWarning, match=r"override Kaiming\(\) on 'act' of Foo sets nothing"):
        initialize(foo, dict(type="Kaiming", override=dict(name="act")))


def test_matching_cfg_does_not_warn(foo):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        initialize(foo, dict(type="Kaiming", layer="Conv2d", override=dict(name="reg", type="Normal")))


@pytest.mark.parametrize(
    ("init_cfg", "error", "pattern"),
    [
        ("Constant", TypeError, r"init_cfg must be a dict or a list of dicts .* got str: 'Constant'"),
        (None, TypeError, r"init_cfg must be a dict or a list of dicts .* got NoneType"),
        ([dict(type="Constant", val=1), 5], TypeError, r"every entry of init_cfg must be a dict, got int: 5"),
        (
            dict(val=1, layer="Conv2d"),
            ValueError,
            r"needs a 'type' key naming an initializer, got \{'val': 1, 'layer': 'Conv2d'\}",
        ),
        (
            dict(type="Constant", val=1, layer="Linear", override=dict(name="head")),
            ValueError,
            r"override name='head' is not a submodule of Foo \(its children are: conv, bn, reg, cls\)",
        ),
        (
            dict(type="Constant", val=1, override=dict(name="cls.7")),
            ValueError,
            r"override name='cls.7' is not a submodule",
        ),
        (
            dict(type="Constant", val=1, override=dict(type="Constant", val=2)),
            ValueError,
            r"override must name a submodule with the key 'name' \(e.g. name='fc'\), got \{'type': 'Constant'",
        ),
        (
            dict(type="Constant", val=1, override=dict(name="reg", val=2)),
            ValueError,
            r"override \{'name': 'reg', 'val': 2\} has arguments but no 'type'",
        ),
        (
            dict(type="Constant", val=1, override=dict(name="reg", type="Constant", val=2, layer="Linear")),
            ValueError,
            r"must not have 'layer': an override sets the whole submodule 'reg'",
        ),
        (
            dict(type="Constant", val=1, override="reg"),
            TypeError,
            r"override must be a dict or a list of dicts .* got str: 'reg'",
        ),
        (
            dict(type="Constant", val=1, override=[dict(name="reg"), "cls"]),
            TypeError,
            r"every override must be a dict, got str",
        ),
        (
            dict(type="Constant", val=1, layer=3),
            TypeError,
            r"layer must be a class name or a list of class names, got int: 3",
        ),
        (dict(type="Constant", val=1, layer=[]), TypeError, r"layer must be a class name or a non-empty list"),
        (
            dict(type="Constant", val=1, layer=["Conv2d", None]),
            TypeError,
            r"non-empty list of class names, got \['Conv2d', None\]",
        ),
        (dict(type="Constant", layer="Linear"), TypeError, r"missing 1 required positional argument: 'val'"),
        (dict(type="Normal", sigma=1, layer="Linear"), TypeError, r"unexpected keyword argument 'sigma'"),
        (dict(type="Normal", std=-1, layer="Linear"), ValueError, r"NormalInit: std must be >= 0, got -1"),
        (
            dict(type="Normal", bias_prob=1.5, layer="Linear"),
            ValueError,
            r"bias_prob must be in the open interval \(0, 1\), got 1.5",
        ),
        (
            dict(type="Kaiming", mode="fan", layer="Conv2d"),
            ValueError,
            r"KaimingInit: mode must be one of 'fan_in', 'fan_out', got 'fan'",
        ),
        (
            dict(type="Xavier", distribution="normal_", layer="Conv2d"),
            ValueError,
            r"XavierInit: distribution must be one of",
        ),
        (dict(type="Uniform", a=2, b=1, layer="Linear"), ValueError, r"UniformInit: .*a=2.0, b=1.0"),
        (dict(type="TruncNormal", a=2, b=1, layer="Linear"), ValueError, r"TruncNormalInit: .*a=2.0, b=1.0"),
        (
            dict(type="Constant", val=1, bias="x", layer="Linear"),
            TypeError,
            r"ConstantInit: bias must be a real number, got str",
        ),
        (
            dict(type="Kaiming", layer="BatchNorm2d"),
            ValueError,
            r"kaiming_init: module BatchNorm2d has a weight of shape \(4,\)",
        ),
    ],
)
def test_bad_init_cfg(foo, init_cfg, error, pattern):
    with pytest.raises(error, match=pattern):
        initialize(foo, init_cfg)


def test_module_must_be_a_module():
    with pytest.raises(TypeError, match=r"initialize: module must be a torch.nn.Module, got dict"):
        initialize({"conv": nn.Conv2d(1, 1, 1)}, dict(type="Constant", val=1, layer="Conv2d"))


def test_unused_cfg_warning_is_a_user_warning_that_can_be_filtered(foo):
    assert issubclass(UnusedInitCfgWarning, UserWarning)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        warnings.simplefilter("ignore", UnusedInitCfgWarning)
        initialize(foo, dict(type="Constant", val=1, layer="Conv3d"))


def test_warnings_point_at_the_callers_line(foo):
    from cnn_init import BaseModule

    with pytest.warns(UnusedInitCfgWarning) as record:
        initialize(foo, dict(type="Kaiming", override=dict(name="bn")))
    assert record[0].filename == __file__
    module = BaseModule(dict(type="Constant", val=1, layer="Conv3d"))
    with pytest.warns(UnusedInitCfgWarning) as record:
        module.init_weights()
    assert record[0].filename == __file__


def test_a_bad_cfg_anywhere_changes_nothing(foo):
    before = copy.deepcopy(foo.state_dict())
    cfg = [
        dict(type="Constant", val=1, layer=["Conv2d", "Linear"]),
        dict(type="Constant", val=2, layer="_BatchNorm", override=[dict(name="reg"), dict(name="missing")]),
    ]
    with pytest.raises(ValueError, match="override name='missing'"):
        initialize(foo, cfg)
    with pytest.raises(ValueError, match="std must be >= 0"):
        initialize(foo, [cfg[0], dict(type="Normal", std=-1, layer="Linear")])
    assert all(torch.equal(v, before[k]) for k, v in foo.state_dict().items())

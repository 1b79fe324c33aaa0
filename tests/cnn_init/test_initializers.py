"""The initializer classes: same numbers as the functions, targets, repr and the registry."""

import pytest
import torch
from torch import nn

from cnn_init import (
    INITIALIZERS,
    Caffe2XavierInit,
    ConstantInit,
    Initializer,
    KaimingInit,
    NormalInit,
    TruncNormalInit,
    UniformInit,
    XavierInit,
    bias_init_with_prob,
    build_initializer,
    caffe2_xavier_init,
    constant_init,
    kaiming_init,
    normal_init,
    register_initializer,
    trunc_normal_init,
    uniform_init,
    xavier_init,
)
from cnn_registry import Registry

PAIRS = [
    (dict(type="Constant", val=0.3, bias=0.1), lambda m: constant_init(m, 0.3, bias=0.1)),
    (dict(type="Xavier", gain=2, distribution="uniform"), lambda m: xavier_init(m, gain=2, distribution="uniform")),
    (dict(type="Normal", mean=1, std=0.2, bias=3), lambda m: normal_init(m, mean=1, std=0.2, bias=3)),
    (dict(type="TruncNormal", std=0.5, a=-0.4, b=0.6), lambda m: trunc_normal_init(m, std=0.5, a=-0.4, b=0.6)),
    (dict(type="Uniform", a=-2, b=-1), lambda m: uniform_init(m, a=-2, b=-1)),
    (
        dict(type="Kaiming", a=0.2, mode="fan_in", nonlinearity="leaky_relu", distribution="uniform"),
        lambda m: kaiming_init(m, a=0.2, mode="fan_in", nonlinearity="leaky_relu", distribution="uniform"),
    ),
    (dict(type="Caffe2Xavier", bias=0.5), lambda m: caffe2_xavier_init(m, bias=0.5)),
]


@pytest.mark.parametrize(("cfg", "func"), PAIRS, ids=[c["type"] for c, _ in PAIRS])
def test_initializer_draws_what_the_function_draws(cfg, func):
    a, b = nn.Conv2d(4, 8, 3), nn.Conv2d(4, 8, 3)
    torch.manual_seed(1)
    build_initializer({**cfg, "layer": "Conv2d"})(a)
    torch.manual_seed(1)
    func(b)
    assert torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias)


def test_without_layer_an_initializer_covers_the_whole_module():
    model = nn.Sequential(nn.Conv2d(2, 2, 1), nn.ReLU(), nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2)))
    ConstantInit(val=4, bias=1)(model)
    for p_name, p in model.named_parameters():
        assert torch.equal(p, torch.full_like(p, 1 if p_name.endswith("bias") else 4)), p_name


def test_targets_are_named_matching_submodules():
    model = nn.Sequential(nn.Conv2d(2, 2, 1), nn.ReLU(), nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2)))
    assert [n for n, _ in NormalInit(layer=["Linear", "_BatchNorm"]).targets(model)] == ["2.0", "2.1"]
    assert [n for n, _ in NormalInit().targets(model)] == ["0", "2.0", "2.1"]
    assert [n for n, _ in KaimingInit().targets(model)] == ["0", "2.0"]  # fan-based: no 1-D weights
    assert NormalInit(layer="Conv3d").targets(model) == []


def test_bias_prob_replaces_bias():
    init = NormalInit(std=0.01, bias=5, bias_prob=0.01, layer="Linear")
    fc = nn.Linear(3, 2)
    init(fc)
    assert init.bias == bias_init_with_prob(0.01)
    assert torch.allclose(fc.bias, torch.full((2,), -4.59511985013459))


def test_repr_shows_the_arguments():
    assert repr(ConstantInit(val=1, bias_prob=0.5)) == "Constant(val=1.0, bias_prob=0.5)"
    assert repr(NormalInit(std=0.01, layer=["Conv2d", "Linear"])) == (
        "Normal(mean=0.0, std=0.01, bias=0.0, layer=['Conv2d', 'Linear'])"
    )
    assert repr(Caffe2XavierInit()) == "Caffe2Xavier(bias=0.0)"
    assert repr(UniformInit(layer="Linear")) == "Uniform(a=0.0, b=1.0, bias=0.0, layer='Linear')"


def test_registry_builds_each_class():
    classes = {
        "Constant": ConstantInit,
        "Xavier": XavierInit,
        "Normal": NormalInit,
        "TruncNormal": TruncNormalInit,
        "Uniform": UniformInit,
        "Kaiming": KaimingInit,
        "Caffe2Xavier": Caffe2XavierInit,
    }
    for name, cls in classes.items():
        cfg = dict(type=name, val=1) if name == "Constant" else dict(type=name)
        built = INITIALIZERS.build(cfg)
        assert type(built) is cls and built.layer is None and built.bias == 0.0
        assert cls.name == name and repr(built).startswith(f"{name}(")  # the registered name is the repr's
        assert INITIALIZERS.get(f"{name}Init") is cls


def test_register_initializer_derives_both_names_from_the_class():
    with INITIALIZERS.temporary_registrations():

        @register_initializer
        class HalvesInit(Initializer):
            def init_module(self, module):
                nn.init.constant_(module.weight, 0.5)

        fc = nn.Linear(2, 2)
        build_initializer(dict(type="Halves", layer="Linear"))(fc)
        assert torch.equal(fc.weight, torch.full((2, 2), 0.5))
        assert INITIALIZERS.get("HalvesInit") is HalvesInit
        assert repr(HalvesInit()) == "Halves(bias=0.0)"
    assert "Halves" not in INITIALIZERS


def test_initializer_is_abstract():
    with pytest.raises(TypeError, match="abstract"):
        Initializer()


def test_custom_initializer_in_a_child_registry():
    child = Registry("initializers", parent=INITIALIZERS, scope="test_custom_init")

    @child.register_module(name="Ones")
    class OnesInit(Initializer):
        name = "Ones"

        def init_module(self, module):
            nn.init.ones_(module.weight)

    fc = nn.Linear(2, 2)
    build_initializer(dict(type="Ones", layer="Linear"), registry=child)(fc)
    assert torch.equal(fc.weight, torch.ones(2, 2))
    assert type(build_initializer(dict(type="Kaiming"), registry=child)) is KaimingInit  # parent's names too
    assert repr(OnesInit(layer="Linear")) == "Ones(bias=0.0, layer='Linear')"


@pytest.mark.parametrize(
    ("call", "error", "pattern"),
    [
        (lambda: build_initializer("Normal"), TypeError, r"init_cfg must be a dict such as .* got str: 'Normal'"),
        (
            lambda: build_initializer(dict(type="Normal"), registry="INITIALIZERS"),
            TypeError,
            r"registry must be a cnn_registry.Registry",
        ),
        (lambda: build_initializer(dict(type=len)), TypeError, r"len\(\) takes exactly one argument"),
        (lambda: build_initializer(dict(type=lambda: 3)), TypeError, r"built a int, which is not callable"),
        (
            lambda: ConstantInit(val=1)(torch.zeros(2)),
            TypeError,
            r"ConstantInit: module must be a torch.nn.Module, got Tensor",
        ),
        (
            lambda: NormalInit(layer=nn.Linear),
            TypeError,
            r"NormalInit: layer must be a class name or a list of class names",
        ),
        (
            lambda: KaimingInit(nonlinearity="gelu"),
            ValueError,
            r"KaimingInit: nonlinearity must be one of .* got 'gelu'",
        ),
        (lambda: XavierInit(gain=-2), ValueError, r"XavierInit: gain must be >= 0, got -2"),
        (
            lambda: Caffe2XavierInit(bias_prob=0),
            ValueError,
            r"Caffe2XavierInit: bias_prob must be in the open interval",
        ),
        (lambda: Caffe2XavierInit(a=1), TypeError, r"unexpected keyword argument 'a'"),
        (lambda: TruncNormalInit(std=float("inf")), ValueError, r"TruncNormalInit: std must be finite, got inf"),
    ],
)
def test_bad_arguments(call, error, pattern):
    with pytest.raises(error, match=pattern):
        call()

"""BaseModule.init_weights: own cfgs, then children, then Pretrained; once only."""

import copy
import warnings

import pytest
import torch
from torch import nn

from cnn_init import INITIALIZERS, BaseModule, ModuleDict, ModuleList, Sequential, constant_init


def full(t, value):
    return torch.equal(t, torch.full_like(t, value))


def test_own_cfg_applies_to_matching_layers(net_factory):
    net = net_factory(init_cfg=dict(type="Constant", val=2, bias=3, layer="Conv2d"))
    net.init_weights()
    assert full(net.stem.weight, 2) and full(net.stem.bias, 3)
    assert full(net.inner.conv.weight, 2)  # a BaseModule child without a scheme keeps the parent's
    assert full(net.norm.weight, 1) and full(net.norm.bias, 0)  # untouched BatchNorm defaults
    assert not full(net.fc.weight, 2)


def test_child_with_own_init_weights_wins_over_parent(net_factory):
    net = net_factory(init_cfg=dict(type="Constant", val=2, layer="Conv2d"))
    net.init_weights()
    assert full(net.block.conv.weight, 0.5)  # ConvBlock.init_weights ran after the parent's cfg
    assert full(net.block.conv.bias, 0)  # the parent's cfg set the bias and the block left it


def test_child_init_cfg_wins_over_parent(net_factory):
    net = net_factory(
        init_cfg=dict(type="Constant", val=2, layer="Conv2d"),
        inner_cfg=dict(type="Constant", val=7, layer="Conv2d"),
    )
    net.init_weights()
    assert full(net.inner.conv.weight, 7)
    assert full(net.stem.weight, 2)


def test_list_of_cfgs_applies_in_order(net_factory):
    net = net_factory(
        init_cfg=[
            dict(type="Constant", val=1, layer=["Conv2d", "Linear"]),
            dict(type="Constant", val=4, layer="Linear"),
            dict(type="Constant", val=5, bias=6, layer="_BatchNorm"),
        ]
    )
    net.init_weights()
    assert full(net.stem.weight, 1)
    assert full(net.fc.weight, 4)
    assert full(net.norm.weight, 5) and full(net.norm.bias, 6)
    assert full(net.block.bn.weight, 5)  # the child has no scheme for its BN


def test_base_class_name_matches_every_subclass(net_factory):
    net = net_factory(init_cfg=dict(type="Constant", val=3, layer="_ConvNd"))
    net.init_weights()
    assert full(net.stem.weight, 3) and full(net.inner.conv.weight, 3)


def test_second_call_warns_and_changes_nothing(net_factory):
    net = net_factory(init_cfg=dict(type="Normal", std=1, layer="Conv2d"))
    net.init_weights()
    state = copy.deepcopy(net.state_dict())
    with pytest.warns(UserWarning, match=r"init_weights\(\) of Net has already run; this call changes nothing"):
        net.init_weights()
    for key, value in net.state_dict().items():
        assert torch.equal(value, state[key]), key
    assert net.is_init


def test_children_already_initialised_are_skipped(net_factory):
    net = net_factory(init_cfg=dict(type="Constant", val=2, layer="Conv2d"))
    net.block.init_weights()
    nn.init.constant_(net.block.conv.weight, 9)  # changed by the user after its own init
    net.init_weights()
    assert full(net.block.conv.weight, 2)  # the parent's cfg applies, the block does not run again
    assert net.block.is_init


def test_is_init_is_false_before_and_true_after(net_factory):
    net = net_factory()
    assert not net.is_init and not net.block.is_init
    net.init_weights()
    assert net.is_init and net.block.is_init and net.inner.is_init


def test_init_cfg_is_copied_and_never_mutated(net_factory):
    cfg = [
        dict(type="Normal", std=0.5, layer=["Conv2d"], override=dict(name="fc", type="Constant", val=1)),
        dict(type="Constant", val=2, override=[dict(name="norm")]),
    ]
    snapshot = copy.deepcopy(cfg)
    net = net_factory(init_cfg=cfg)
    cfg[0]["layer"].append("Linear")  # the caller's later edits do not reach the module
    net.init_weights()
    assert net.init_cfg == snapshot
    cfg[0]["layer"].pop()
    assert cfg == snapshot


def test_seed_style_subclass_calling_normal_init(classes):
    torch.manual_seed(0)
    head = classes["Head"]()
    fc = nn.Linear(1000, 200)
    head.fc = fc
    head.init_weights()
    assert fc.weight.std().item() == pytest.approx(0.01, rel=0.02)
    assert full(fc.bias, 0)
    assert head.is_init
    with pytest.warns(UserWarning, match="already run"):
        head.init_weights()


def test_override_calling_super_composes():
    class Model(BaseModule):
        def __init__(self):
            super().__init__(init_cfg=dict(type="Constant", val=1, layer="Linear"))
            self.a = nn.Linear(2, 2)
            self.b = nn.Linear(2, 2)

        def init_weights(self):
            super().init_weights()
            constant_init(self.b, 5)

    model = Model()
    model.init_weights()
    assert full(model.a.weight, 1)
    assert full(model.b.weight, 5)
    info = model.init_info()
    assert info["a.weight"] == "Constant(val=1, layer='Linear') in init_cfg of Model"
    assert info["b.weight"] == "Model.init_weights()"


def test_plain_module_child_with_init_weights_is_called():
    class Legacy(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)
            self.calls = 0

        def init_weights(self):
            self.calls += 1
            constant_init(self.fc, 3)

    class Model(BaseModule):
        def __init__(self):
            super().__init__(init_cfg=dict(type="Constant", val=1, layer="Linear"))
            self.legacy = Legacy()

    model = Model()
    model.init_weights()
    assert model.legacy.calls == 1
    assert full(model.legacy.fc.weight, 3)


def test_plain_module_child_marked_is_init_is_skipped():
    class Legacy(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)
            self.calls = 0

        def init_weights(self):
            self.calls += 1
            constant_init(self.fc, 3)

    class Model(BaseModule):
        def __init__(self):
            super().__init__()
            self.legacy = Legacy()

    model = Model()
    model.legacy.is_init = True  # as mmengine: a child that says it is initialised is left alone
    model.init_weights()
    assert model.legacy.calls == 0
    assert not full(model.legacy.fc.weight, 3)


class _WithDefault(BaseModule):
    """A block whose own scheme (a hook, not an init_weights override) sets its conv to 4."""

    def __init__(self, init_cfg=None):
        super().__init__(init_cfg)
        self.conv = nn.Conv2d(1, 1, 1)
        self.child = Sequential(nn.Linear(2, 2), init_cfg=dict(type="Constant", val=2, layer="Linear"))
        self.default_calls = 0

    def default_init(self):
        self.default_calls += 1
        constant_init(self.conv, 4)


def test_default_init_runs_when_init_cfg_is_none_after_the_children():
    block = _WithDefault()
    block.init_weights()
    assert block.default_calls == 1
    assert full(block.conv.weight, 4)
    assert full(block.child[0].weight, 2)  # children still get their own init_weights()
    assert block.child.is_init
    assert block.init_info()["conv.weight"] == "_WithDefault.init_weights()"


def test_default_init_is_skipped_when_init_cfg_is_given():
    block = _WithDefault(init_cfg=dict(type="Constant", val=7, layer="Conv2d"))
    block.init_weights()
    assert block.default_calls == 0
    assert full(block.conv.weight, 7)


def test_default_init_runs_inside_a_parent_without_cfg():
    class Outer(BaseModule):
        def __init__(self):
            super().__init__(init_cfg=dict(type="Constant", val=9, layer="Conv2d"))
            self.block = _WithDefault()

    outer = Outer()
    outer.init_weights()
    assert full(outer.block.conv.weight, 4)  # the child's default wins over the parent's cfg


def test_base_modules_inside_plain_containers_are_reached(classes):
    class Model(BaseModule):
        def __init__(self):
            super().__init__(init_cfg=dict(type="Constant", val=1, layer="Conv2d"))
            self.stages = nn.Sequential(nn.Sequential(classes["ConvBlock"]()), nn.ModuleList([classes["ConvBlock"]()]))

    model = Model()
    model.init_weights()
    assert full(model.stages[0][0].conv.weight, 0.5)
    assert full(model.stages[1][0].conv.weight, 0.5)
    assert model.stages[0][0].is_init


@pytest.fixture
def fake_pretrained():
    """A stand-in for cnn-zoo's Pretrained, given as a class in the cfg, that records the model it met."""
    calls = []

    class RecordingCheckpoint:
        def __init__(self, checkpoint, prefix=None, map_location="cpu"):
            self.checkpoint = checkpoint

        def __call__(self, module):
            calls.append([full(module.block.conv.weight, 0.5), full(module.stem.weight, 2)])
            module.load_state_dict(self.checkpoint)

    return RecordingCheckpoint, calls


def test_pretrained_type_runs_last_after_children(net_factory, fake_pretrained):
    cls, calls = fake_pretrained
    cls.__name__ = "Pretrained"  # is_pretrained_cfg recognises the class by name
    source = net_factory()
    for p in source.parameters():
        nn.init.constant_(p, 8)
    net = net_factory(
        init_cfg=[
            dict(type=cls, checkpoint=source.state_dict()),
            dict(type="Constant", val=2, layer="Conv2d"),
        ]
    )
    net.init_weights()
    assert calls == [[True, True]]  # when it ran, the child's scheme and the later cfg had already run
    for p in net.parameters():
        assert full(p, 8)
    assert net.init_info()["block.conv.weight"].startswith("Pretrained(checkpoint=")


def test_containers_accept_init_cfg_and_keep_their_modules():
    cfg = dict(type="Constant", val=1, layer="Linear")
    seq = Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 3), init_cfg=cfg)
    lst = ModuleList([nn.Linear(2, 2), nn.Linear(2, 2)], init_cfg=cfg)
    dct = ModuleDict({"a": nn.Linear(2, 2)}, init_cfg=cfg)
    for container in (seq, lst, dct):
        container.init_weights()
        assert all(full(p, 1) for n, p in container.named_parameters() if n.endswith("weight"))
        assert container.init_cfg == cfg
    assert len(seq) == 3 and seq(torch.ones(1, 2)).shape == (1, 3)
    assert len(lst) == 2 and list(dct) == ["a"]


def test_containers_default_to_no_cfg():
    seq = Sequential(nn.Linear(2, 2))
    before = seq[0].weight.clone()
    seq.init_weights()
    assert seq.init_cfg is None and torch.equal(seq[0].weight, before)
    assert len(ModuleList()) == 0 and len(ModuleDict()) == 0


def test_base_module_without_cfg_leaves_pytorch_defaults(net_factory):
    net = net_factory()
    state = copy.deepcopy(net.state_dict())
    net.init_weights()
    changed = [k for k, v in net.state_dict().items() if not torch.equal(v, state[k])]
    assert changed == ["block.conv.weight"]


@pytest.mark.parametrize(
    ("init_cfg", "error", "pattern"),
    [
        ("Kaiming", TypeError, r"init_cfg must be a dict or a list of dicts .* got str: 'Kaiming'"),
        (3, TypeError, r"init_cfg must be a dict or a list of dicts .* got int: 3"),
        ([dict(type="Constant", val=1), "Normal"], TypeError, r"every entry of init_cfg must be a dict, got str"),
        (dict(layer="Conv2d"), ValueError, r"needs a 'type' key naming an initializer, got \{'layer': 'Conv2d'\}"),
    ],
)
def test_malformed_init_cfg_fails_at_construction(init_cfg, error, pattern):
    with pytest.raises(error, match=pattern):
        BaseModule(init_cfg)


def test_unknown_initializer_fails_at_init_weights():
    module = BaseModule(dict(type="Kaimnig", layer="Conv2d"))
    with pytest.raises(
        KeyError, match=r"'Kaimnig' is not in the 'initializers' registry[\s\S]*Did you mean: 'Kaiming'"
    ):
        module.init_weights()
    assert not module.is_init


def test_registry_holds_every_initializer():
    for name in ["Constant", "Xavier", "Normal", "TruncNormal", "Uniform", "Kaiming", "Caffe2Xavier"]:
        assert name in INITIALIZERS
        assert f"{name}Init" in INITIALIZERS
        assert INITIALIZERS.get(name) is INITIALIZERS.get(f"{name}Init")


def test_no_warning_when_every_cfg_matches(net_factory):
    net = net_factory(init_cfg=[dict(type="Kaiming", layer="Conv2d"), dict(type="Constant", val=1, layer="_BatchNorm")])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net.init_weights()


def test_is_init_can_be_set_by_hand(net_factory):
    net = net_factory(init_cfg=dict(type="Constant", val=2, layer="Conv2d"))
    net.block.is_init = True  # e.g. its weights were loaded separately
    net.init_weights()
    assert full(net.block.conv.weight, 2)  # the parent's cfg, not the block's own scheme
    with pytest.raises(TypeError, match=r"is_init must be a bool, got int: 1"):
        net.is_init = 1


def test_override_decorated_elsewhere_is_still_tracked():
    import functools

    def logged(fn):
        @functools.wraps(fn)
        def wrapper(self):
            return fn(self)

        return wrapper

    class Model(BaseModule):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        @logged
        def init_weights(self):
            constant_init(self.fc, 3)

    model = Model()
    model.init_weights()
    assert model.is_init and model.init_info()["fc.weight"] == "Model.init_weights()"
    with pytest.warns(UserWarning, match="already run"):
        model.init_weights()

"""init_info(): which step of init_weights() set each parameter last."""

import logging

import pytest
import torch
from torch import nn

from cnn_init import BaseModule, InitInfo, normal_init


def test_table_credits_cfg_override_child_and_default(net_factory):
    net = net_factory(
        init_cfg=dict(type="Normal", std=0.01, layer="Conv2d", override=dict(type="Constant", name="fc", val=1)),
        inner_cfg=dict(type="Constant", val=3, layer="Conv2d"),
    )
    net.init_weights()
    info = net.init_info()
    cfg = "Normal(std=0.01, layer='Conv2d') in init_cfg of Net"
    assert info["stem.weight"] == cfg and info["stem.bias"] == cfg
    assert info["fc.weight"] == "Constant(val=1) via override name='fc' in init_cfg of Net"
    assert info["inner.conv.weight"] == "Constant(val=3, layer='Conv2d') in init_cfg of Inner"
    assert info["block.conv.weight"] == "ConvBlock.init_weights()"
    assert info["block.conv.bias"] == cfg  # the block's own scheme left the bias as the parent set it
    assert info["norm.weight"] == "not changed by init_weights (PyTorch default of BatchNorm2d)"
    assert list(info) == [name for name, _ in net.named_parameters()]
    assert len(info) == len(list(net.parameters()))


def test_child_table_uses_names_relative_to_the_child(net_factory):
    net = net_factory(init_cfg=dict(type="Constant", val=2, layer="Conv2d"))
    net.init_weights()
    child = net.block.init_info()
    assert list(child) == ["conv.weight", "conv.bias", "bn.weight", "bn.bias"]
    assert child["conv.weight"] == "ConvBlock.init_weights()"
    assert child["conv.bias"] == "Constant(val=2, layer='Conv2d') in init_cfg of Net"


def test_str_is_an_aligned_table(net_factory):
    net = net_factory(init_cfg=dict(type="Constant", val=2, layer="Linear"))
    net.init_weights()
    lines = str(net.init_info()).splitlines()
    assert lines[0].split() == ["parameter", "shape", "initialized", "by"]
    assert set(lines[1]) == {"-", " "}
    fc_row = next(line for line in lines if line.startswith("fc.weight "))
    assert fc_row.split(None, 2) == ["fc.weight", "4x2", "Constant(val=2, layer='Linear') in init_cfg of Net"]
    starts = {line.index(line.split()[1], len(line.split()[0])) for line in lines[2:]}
    assert len(starts) == 1  # the shape column is aligned
    assert repr(net.init_info()).startswith(f"InitInfo({len(lines) - 2} parameters)")


def test_writes_through_data_are_seen():
    class Legacy(BaseModule):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def init_weights(self):
            self.fc.weight.data.fill_(0.25)  # .data skips the version counter

    model = Legacy()
    model.init_weights()
    assert model.init_info()["fc.weight"] == "Legacy.init_weights()"
    assert model.init_info()["fc.bias"].startswith("not changed")


def test_seed_style_head_is_credited(classes):
    class Model(BaseModule):
        def __init__(self):
            super().__init__(init_cfg=dict(type="Constant", val=1, layer="Linear"))
            self.head = classes["Head"]()

    model = Model()
    model.init_weights()
    assert model.init_info()["head.fc.weight"] == "Head.init_weights()"


def test_steps_that_rewrite_the_same_values_keep_the_latest_credit():
    model = BaseModule([dict(type="Constant", val=1, layer="Linear"), dict(type="Constant", val=2, layer="Linear")])
    model.fc = nn.Linear(2, 2)
    model.init_weights()
    assert model.init_info()["fc.weight"] == "Constant(val=2, layer='Linear') in init_cfg of BaseModule"


def test_init_info_before_init_weights_raises(net_factory):
    with pytest.raises(RuntimeError, match=r"init_info\(\) of Net is recorded by init_weights\(\)"):
        net_factory().init_info()


def test_unknown_parameter_name_lists_the_known_ones(net_factory):
    net = net_factory()
    net.init_weights()
    with pytest.raises(KeyError, match=r"no parameter named 'fc.weights'; the parameters are: stem.weight"):
        net.init_info()["fc.weights"]


def test_table_is_logged_at_debug_level(net_factory, caplog):
    net = net_factory(init_cfg=dict(type="Constant", val=2, layer="Linear"))
    with caplog.at_level(logging.DEBUG, logger="cnn_init"):
        net.init_weights()
    records = [r for r in caplog.records if r.name == "cnn_init"]
    assert len(records) == 1 and records[0].levelno == logging.DEBUG
    assert "parameters of Net after init_weights()" in records[0].getMessage()
    assert "fc.weight" in records[0].getMessage()


def test_nothing_logged_above_debug(net_factory, caplog):
    with caplog.at_level(logging.INFO, logger="cnn_init"):
        net_factory().init_weights()
    assert [r for r in caplog.records if r.name == "cnn_init"] == []


def test_init_info_is_a_plain_mapping():
    info = InitInfo([("w", (2, 3), "Normal()"), ("s", (), "Constant(val=1)")])
    assert dict(info) == {"w": "Normal()", "s": "Constant(val=1)"}
    assert "2x3" in str(info) and "scalar" in str(info)


def test_functions_outside_init_weights_are_not_recorded(net_factory):
    net = net_factory()
    net.init_weights()
    normal_init(net.fc)  # after the fact: init_info reports what init_weights did
    assert net.init_info()["fc.weight"].startswith("not changed by init_weights")
    assert torch.is_tensor(net.fc.weight)


def test_large_parameter_written_through_data_is_seen():
    class Wide(BaseModule):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(300, 200)  # 60000 weights: the fingerprint samples them

        def init_weights(self):
            self.fc.weight.data.normal_(0, 0.01)

    model = Wide()
    model.init_weights()
    assert model.init_info()["fc.weight"] == "Wide.init_weights()"


def test_parameters_replaced_during_init_are_credited():
    class Swapping(BaseModule):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def init_weights(self):
            self.fc.load_state_dict({"weight": torch.ones(2, 2), "bias": torch.zeros(2)}, assign=True)

    model = Swapping()
    model.init_weights()
    assert model.init_info()["fc.weight"] == "Swapping.init_weights()"
    assert torch.equal(model.fc.weight, torch.ones(2, 2))


def test_nan_parameters_left_alone_are_not_credited():
    class Empty(BaseModule):
        def __init__(self):
            super().__init__(init_cfg=dict(type="Constant", val=1, layer="Conv2d"))
            self.fc = nn.Linear(2, 2)
            self.conv = nn.Conv2d(1, 1, 1)
            self.fc.weight.data.fill_(float("nan"))

    model = Empty()
    model.init_weights()
    assert model.init_info()["fc.weight"].startswith("not changed by init_weights")


def test_deep_copies_and_pickles_keep_the_table(net_factory, tmp_path):
    import copy
    import pickle

    net = net_factory(init_cfg=dict(type="Constant", val=2, layer="Linear"))
    net.init_weights()
    expected = dict(net.init_info())
    assert dict(copy.deepcopy(net).init_info()) == expected
    assert dict(copy.deepcopy(net.block).init_info()) == dict(net.block.init_info())
    path = tmp_path / "net.pkl"
    path.write_bytes(pickle.dumps(net))
    restored = pickle.loads(path.read_bytes())
    assert dict(restored.init_info()) == expected
    assert restored.is_init


def test_parent_table_keeps_what_a_child_recorded_earlier(net_factory):
    net = net_factory(init_cfg=dict(type="Constant", val=2, layer="Linear"))
    net.inner.init_cfg = dict(type="Constant", val=3, layer="Conv2d")
    net.inner.init_weights()  # on its own, before the parent
    net.init_weights()
    info = net.init_info()
    assert info["inner.conv.weight"] == "Constant(val=3, layer='Conv2d') in init_cfg of Inner"
    assert info["fc.weight"] == "Constant(val=2, layer='Linear') in init_cfg of Net"
    assert net.inner.init_info()["conv.weight"] == "Constant(val=3, layer='Conv2d') in init_cfg of Inner"


@pytest.mark.parametrize("numel", [257, 1000, 2**24 + 3, 102_760_448, 2**31 + 5])
def test_fingerprint_samples_stay_inside_large_tensors(numel):
    """float32 positions would round the last index up to numel (VGG-16's 102,760,448-weight fc6)."""
    from cnn_init.init_info import SAMPLES, _sample_index

    index = _sample_index(numel, torch.device("cpu"))
    assert index.dtype == torch.int64
    assert len(index) == SAMPLES
    assert int(index[0]) == 0
    assert int(index[-1]) == numel - 1
    assert bool((index[1:] > index[:-1]).all())


def test_layer_cfg_credits_its_targets_and_leaves_the_rest_to_later_steps():
    class Net(BaseModule):
        def __init__(self):
            super().__init__(
                init_cfg=[
                    dict(type="Constant", val=0.5, bias=0, layer="Linear"),
                    dict(type="Constant", val=2, bias=1, layer="_BatchNorm"),
                ]
            )
            self.fc = nn.Linear(3, 3)
            self.shared = self.fc  # the same module twice: its parameters are credited once
            self.body = nn.Sequential(nn.BatchNorm1d(3), nn.Conv1d(3, 3, 1))

    model = Net()
    model.init_weights()
    info = model.init_info()
    assert info["fc.weight"] == "Constant(val=0.5, bias=0, layer='Linear') in init_cfg of Net"
    assert info["body.0.weight"] == "Constant(val=2, bias=1, layer='_BatchNorm') in init_cfg of Net"
    assert info["body.1.weight"].startswith("not changed")
    assert model.fc.weight.eq(0.5).all() and model.body[0].bias.eq(1).all()


def test_initializer_with_its_own_call_is_credited_for_every_parameter_it_changes():
    from cnn_init import INITIALIZERS, Initializer, register_initializer

    with INITIALIZERS.temporary_registrations():

        @register_initializer
        class ZeroEverythingInit(Initializer):
            """Targets the Linear layers but also zeroes every other weight, through .data."""

            def init_module(self, module):
                module.weight.data.zero_()

            def __call__(self, module):
                for sub in module.modules():
                    if getattr(sub, "weight", None) is not None:
                        sub.weight.data.zero_()

        class Net(BaseModule):
            def __init__(self):
                super().__init__(init_cfg=dict(type="ZeroEverything", layer="Linear"))
                self.fc = nn.Linear(2, 2)
                self.conv = nn.Conv1d(2, 2, 1)

        model = Net()
        model.init_weights()
    assert model.init_info()["conv.weight"] == "ZeroEverything(layer='Linear') in init_cfg of Net"
    assert model.init_info()["fc.weight"] == "ZeroEverything(layer='Linear') in init_cfg of Net"

"""cnn-init with cnn-zoo: the Pretrained initializer loads last, through init_cfg alone."""

import subprocess
import sys

import pytest
import torch
from torch import nn

from cnn_init import INITIALIZERS, BaseModule, initialize


class Block(BaseModule):
    """A block with its own scheme (all conv weights 0.5), like a ConvModule."""

    def __init__(self, init_cfg=None):
        super().__init__(init_cfg)
        self.conv = nn.Conv2d(2, 2, 3)

    def init_weights(self):
        nn.init.constant_(self.conv.weight, 0.5)


class Neck(BaseModule):
    """A child initialised by its init_cfg alone."""

    def __init__(self, init_cfg=None):
        super().__init__(init_cfg)
        self.conv = nn.Conv2d(2, 2, 3)


class Model(BaseModule):
    def __init__(self, init_cfg=None, neck_cfg=None):
        super().__init__(init_cfg)
        self.stem = nn.Conv2d(3, 2, 3)
        self.block = Block()
        self.neck = Neck(neck_cfg)
        self.fc = nn.Linear(2, 4)


@pytest.fixture
def checkpoint(tmp_path):
    """A tiny checkpoint of Model whose every value is its parameter's index + 1."""
    torch.manual_seed(0)
    state = {name: torch.full_like(p, i + 1.0) for i, (name, p) in enumerate(Model().named_parameters())}
    path = tmp_path / "model.pth"
    torch.save({"state_dict": state, "meta": {"epoch": 3}}, path)
    return str(path), state


def test_pretrained_is_found_without_importing_cnn_zoo():
    code = (
        "import sys, cnn_init\n"
        "assert 'cnn_zoo' not in sys.modules\n"
        "cls = cnn_init.INITIALIZERS.get('Pretrained')\n"
        "print(cls.__module__)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "cnn_zoo.pretrained"


def test_pretrained_loads_after_own_cfgs_and_children(checkpoint):
    path, state = checkpoint
    model = Model(init_cfg=[dict(type="Pretrained", checkpoint=path), dict(type="Constant", val=9, layer="Conv2d")])
    model.init_weights()
    for name, param in model.named_parameters():
        assert torch.equal(param, state[name]), name  # neither the Constant cfg nor Block's scheme survived
    info = model.init_info()
    assert info["block.conv.weight"] == f"Pretrained(checkpoint={path!r}) in init_cfg of Model"
    assert set(info.values()) == {f"Pretrained(checkpoint={path!r}) in init_cfg of Model"}


def test_pretrained_with_prefix_on_a_submodule(tmp_path):
    torch.manual_seed(0)
    source = nn.Linear(2, 4)
    for p in source.parameters():
        nn.init.constant_(p, 2.5)
    path = tmp_path / "detector.pth"
    torch.save({"state_dict": {f"head.{k}": v for k, v in source.state_dict().items()}}, path)
    model = Model(
        init_cfg=dict(
            type="Kaiming",
            layer="Conv2d",
            override=dict(name="fc", type="Pretrained", checkpoint=str(path), prefix="head."),
        )
    )
    model.init_weights()
    assert torch.equal(model.fc.weight, torch.full((4, 2), 2.5))
    assert model.init_info()["fc.bias"].startswith("Pretrained(checkpoint=")


def test_parent_pretrained_wins_over_child_pretrained(checkpoint, tmp_path):
    path, state = checkpoint
    neck_path = tmp_path / "neck.pth"
    torch.save({"conv.weight": torch.zeros(2, 2, 3, 3), "conv.bias": torch.zeros(2)}, neck_path)
    model = Model(
        init_cfg=dict(type="Pretrained", checkpoint=path), neck_cfg=dict(type="Pretrained", checkpoint=str(neck_path))
    )
    model.init_weights()
    assert torch.equal(model.neck.conv.weight, state["neck.conv.weight"])


def test_child_pretrained_survives_parent_cfgs(tmp_path):
    neck_path = tmp_path / "neck.pth"
    torch.save({"conv.weight": torch.zeros(2, 2, 3, 3), "conv.bias": torch.ones(2)}, neck_path)
    model = Model(
        init_cfg=dict(type="Constant", val=4, layer="Conv2d"),
        neck_cfg=dict(type="Pretrained", checkpoint=str(neck_path)),
    )
    model.init_weights()
    assert torch.equal(model.neck.conv.bias, torch.ones(2))
    assert torch.equal(model.neck.conv.weight, torch.zeros(2, 2, 3, 3))
    assert model.init_info()["neck.conv.weight"] == f"Pretrained(checkpoint={str(neck_path)!r}) in init_cfg of Neck"
    assert torch.equal(model.stem.weight, torch.full_like(model.stem.weight, 4))


def test_initialize_with_pretrained_cfg(checkpoint):
    path, state = checkpoint
    model = Model()
    initialize(model, dict(type="Pretrained", checkpoint=path))
    assert torch.equal(model.fc.weight, state["fc.weight"])


def test_missing_checkpoint_file_fails_clearly(tmp_path):
    model = Model(init_cfg=dict(type="Pretrained", checkpoint=str(tmp_path / "nope.pth")))
    with pytest.raises((FileNotFoundError, OSError, ValueError), match="nope.pth"):
        model.init_weights()
    assert not model.is_init


def test_registry_lists_pretrained_beside_ours():
    names = set(INITIALIZERS)
    assert {"Pretrained", "Constant", "Kaiming", "Caffe2Xavier"} <= names

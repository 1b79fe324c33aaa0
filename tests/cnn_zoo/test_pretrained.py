"""The Pretrained initializer, found through cnn-init's registry without importing cnn_zoo."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import torch
from torch import nn

from cnn_init.registry import INITIALIZERS
from cnn_zoo.pretrained import Pretrained


def test_built_from_init_cfg_loads_the_prefix(tmp_path):
    backbone = nn.Conv2d(3, 4, 1)
    torch.save({"state_dict": {f"backbone.{k}": v for k, v in backbone.state_dict().items()}}, tmp_path / "d.pth")
    cfg = dict(type="Pretrained", checkpoint=str(tmp_path / "d.pth"), prefix="backbone.")
    snapshot = dict(cfg)
    init = INITIALIZERS.build(cfg)
    assert cfg == snapshot
    target = nn.Conv2d(3, 4, 1)
    init(target)
    assert torch.equal(target.weight, backbone.weight)
    assert repr(init) == f"Pretrained(checkpoint={str(tmp_path / 'd.pth')!r}, prefix='backbone.')"


def test_strict_option_is_honoured(tmp_path):
    torch.save(nn.Linear(2, 2).state_dict(), tmp_path / "l.pth")
    Pretrained(str(tmp_path / "l.pth"))(nn.Linear(2, 3))  # warns only
    with pytest.raises(RuntimeError, match="shape mismatch"):
        Pretrained(str(tmp_path / "l.pth"), strict=True)(nn.Linear(2, 3))


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [(dict(checkpoint=""), "checkpoint must be"), (dict(checkpoint="x.pth", prefix=3), "prefix must be")],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(TypeError, match=match):
        Pretrained(**kwargs)


def test_base_module_init_cfg_loads_the_checkpoint_last(tmp_path):
    from cnn_init import BaseModule

    class Net(BaseModule):
        def __init__(self, init_cfg=None):
            super().__init__(init_cfg)
            self.fc = nn.Linear(2, 2)

    source = nn.Linear(2, 2)
    torch.save({"state_dict": {f"fc.{k}": v for k, v in source.state_dict().items()}}, tmp_path / "n.pth")
    checkpoint = str(tmp_path / "n.pth")
    init_cfg = [dict(type="Pretrained", checkpoint=checkpoint), dict(type="Constant", val=0.0, layer="Linear")]
    net = Net(init_cfg)
    net.init_weights()
    # Pretrained is listed first but applied last, so the checkpoint wins over Constant.
    assert torch.equal(net.fc.weight, source.weight)
    assert init_cfg[0] == dict(type="Pretrained", checkpoint=checkpoint)


def test_entry_point_registers_it_without_importing_cnn_zoo():
    code = textwrap.dedent(
        """
        import sys
        from cnn_init.registry import INITIALIZERS
        assert 'cnn_zoo' not in sys.modules
        print(INITIALIZERS.get('Pretrained').__module__)
        """
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "cnn_zoo.pretrained"

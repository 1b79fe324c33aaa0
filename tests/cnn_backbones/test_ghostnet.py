"""GhostNet: the published stage layout, widths, strides and freezing."""

from __future__ import annotations

import pytest
import torch
from torch.nn.modules.batchnorm import _BatchNorm

from cnn_backbones import GhostNet


def test_layout_of_ghostnet_1_0():
    model = GhostNet()
    assert [len(stage) for stage in model.blocks] == [1, 1, 1, 1, 1, 1, 5, 1, 4, 1]
    with_se = [(i, j) for i, stage in enumerate(model.blocks[:9]) for j, b in enumerate(stage) if b.se is not None]
    assert with_se == [(3, 0), (4, 0), (6, 3), (6, 4), (7, 0), (8, 1), (8, 3)]
    strided = [i for i, stage in enumerate(model.blocks[:9]) if stage[0].stride == 2]
    assert strided == [1, 3, 5, 7]
    # 5.18M parameters with its 1000-class head (GhostNet paper, table 7); the head has 960*1280+1280 + 1280*1000+1000
    head = 960 * 1280 + 1280 + 1280 * 1000 + 1000
    assert sum(p.numel() for p in model.parameters()) + head == pytest.approx(5.18e6, rel=0.01)


@pytest.mark.parametrize(("widen_factor", "channels"), [(0.5, (12, 20, 56, 480)), (1.3, (32, 52, 144, 1248))])
def test_widen_factor_rounds_to_multiples_of_4(widen_factor, channels):
    model = GhostNet(widen_factor=widen_factor)
    assert model.out_channels == channels
    assert model.stem.conv.out_channels == (8 if widen_factor == 0.5 else 20)


def test_outputs_follow_out_indices(image):
    model = GhostNet(out_indices=(0, 9)).eval()
    assert model.out_channels == (16, 960)
    assert [tuple(o.shape) for o in model(image)] == [(1, 16, 16, 16), (1, 960, 1, 1)]
    assert model.out_strides == (2, 32)


def test_frozen_stages_and_norm_eval():
    model = GhostNet(frozen_stages=3, norm_eval=True).train()
    assert all(not p.requires_grad for p in model.stem.parameters())
    assert all(not p.requires_grad for p in model.blocks[:3].parameters())
    assert all(p.requires_grad for p in model.blocks[3:].parameters())
    assert not any(m.training for m in model.modules() if isinstance(m, _BatchNorm))


def test_bad_arguments():
    with pytest.raises(ValueError, match="widen_factor=0"):
        GhostNet(widen_factor=0)
    with pytest.raises(ValueError, match=r"out_indices=\(10,\)"):
        GhostNet(out_indices=(10,))
    with pytest.raises(ValueError, match="frozen_stages=11"):
        GhostNet(frozen_stages=11)


def test_trains():
    model = GhostNet(widen_factor=0.5).train()
    sum(o.mean() for o in model(torch.rand(2, 3, 32, 32))).backward()
    assert model.stem.conv.weight.grad is not None
    assert torch.isfinite(model.stem.conv.weight.grad).all()

"""Fixtures of cnn-models' tests: a tiny backbone, registered under a test-only name for each test only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import torch
from torch import nn

from cnn_backbones.registry import BACKBONES


class TinyTestBackbone(nn.Module):
    """conv-bn-relu stages halving the resolution; returns the outputs of ``out_indices``."""

    def __init__(self, in_channels: int = 3, widths: tuple[int, ...] = (4, 8), out_indices: tuple[int, ...] = (1,)):
        super().__init__()
        layers = []
        for w in widths:
            layers.append(
                nn.Sequential(
                    nn.Conv2d(in_channels, w, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU()
                )
            )
            in_channels = w
        self.stages = nn.ModuleList(layers)
        self.out_indices = tuple(out_indices)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        outs = []
        for i, stage in enumerate(self.stages):
            x = stage(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)


@pytest.fixture(autouse=True)
def tiny_test_backbone() -> Iterator[type[nn.Module]]:
    """``TinyTestBackbone`` in ``BACKBONES`` for the duration of one test, and gone afterwards."""
    with BACKBONES.temporary_registrations():
        BACKBONES.register_module(name="TinyTestBackbone", module=TinyTestBackbone)
        yield TinyTestBackbone


@pytest.fixture
def tiny_model_cfg() -> dict:
    """A complete classifier config on the tiny backbone: 8 channels out, 3 classes."""
    return dict(
        backbone=dict(type="TinyTestBackbone", widths=(4, 8), out_indices=(1,)),
        neck=dict(type="GlobalAveragePooling"),
        head=dict(type="LinearClsHead", num_classes=3, in_channels=8, topk=(1, 2)),
    )

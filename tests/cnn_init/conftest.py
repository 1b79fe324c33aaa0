"""Small models shared by the cnn_init tests."""

import pytest
import torch
from torch import nn

from cnn_init import BaseModule, normal_init


class ConvBlock(BaseModule):
    """A conv + BN block with its own init scheme, like a ConvModule: constant 0.5 conv weights."""

    def __init__(self, init_cfg=None):
        super().__init__(init_cfg)
        self.conv = nn.Conv2d(2, 2, 3)
        self.bn = nn.BatchNorm2d(2)

    def init_weights(self):
        nn.init.constant_(self.conv.weight, 0.5)


class Head(BaseModule):
    """The seed's LinearClsHead pattern: init_weights calls normal_init(self.fc, ...)."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def init_weights(self):
        normal_init(self.fc, mean=0, std=0.01, bias=0)


class Net(BaseModule):
    """A model with plain layers, a BaseModule child without own scheme, and a ConvBlock."""

    def __init__(self, init_cfg=None, block_cfg=None, inner_cfg=None):
        super().__init__(init_cfg)
        self.stem = nn.Conv2d(3, 2, 3)
        self.norm = nn.BatchNorm2d(2)
        self.inner = Inner(inner_cfg)
        self.block = ConvBlock(block_cfg)
        self.fc = nn.Linear(2, 4)


class Inner(BaseModule):
    def __init__(self, init_cfg=None):
        super().__init__(init_cfg)
        self.conv = nn.Conv2d(2, 2, 1)


@pytest.fixture
def net_factory():
    def make(**kwargs):
        torch.manual_seed(0)
        return Net(**kwargs)

    return make


@pytest.fixture
def classes():
    return {"ConvBlock": ConvBlock, "Head": Head, "Net": Net, "Inner": Inner}

"""ResNet_CIFAR: the stem of seed 004."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from cnn_backbones import BACKBONES, ResNet, ResNet_CIFAR


def test_stem_is_a_3x3_stride_1_conv_without_max_pool(image):
    model = ResNet_CIFAR(depth=18).eval()
    assert model.conv1.kernel_size == (3, 3) and model.conv1.stride == (1, 1) and model.conv1.padding == (1, 1)
    assert not hasattr(model, "maxpool")
    assert [tuple(o.shape[1:]) for o in model(image)] == [(64, 32, 32), (128, 16, 16), (256, 8, 8), (512, 4, 4)]
    assert model.out_strides == (1, 2, 4, 8)


def test_stages_and_keys_are_resnets():
    cifar, imagenet = ResNet_CIFAR(depth=50), ResNet(50)
    assert cifar.state_dict().keys() == imagenet.state_dict().keys()
    assert cifar.conv1.weight.shape == (64, 3, 3, 3)
    assert {k: v.shape for k, v in cifar.state_dict().items() if k.startswith("layer")} == {
        k: v.shape for k, v in imagenet.state_dict().items() if k.startswith("layer")
    }


def test_resnet_arguments_pass_through(image):
    model = BACKBONES.build(dict(type="ResNet_CIFAR", depth=18, out_indices=(3,), frozen_stages=1)).train()
    assert not model.conv1.weight.requires_grad and not model.norm1.training
    assert isinstance(model.relu, nn.ReLU)
    assert model(torch.rand(2, 3, 32, 32))[0].shape == (2, 512, 4, 4)


def test_deep_stem_is_refused():
    with pytest.raises(ValueError, match="deep_stem=True: ResNet_CIFAR has a single 3x3 stem conv"):
        ResNet_CIFAR(depth=18, deep_stem=True)

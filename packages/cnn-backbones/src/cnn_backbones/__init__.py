"""ResNet, ResNeXt, Res2Net, RegNet, HRNet, VGG and GhostNet backbones that load OpenMMLab and torchvision checkpoints.

Every backbone returns a tuple of feature maps and states their channels and strides:

>>> import torch
>>> from cnn_backbones import BACKBONES
>>> model = BACKBONES.build(dict(type='ResNet', depth=18, out_indices=(2, 3))).eval()
>>> model.out_channels, model.out_strides
((256, 512), (16, 32))
>>> [tuple(f.shape) for f in model(torch.rand(1, 3, 64, 64))]
[(1, 256, 4, 4), (1, 512, 2, 2)]
"""

from .base import BaseBackbone
from .checkpoint import checkpoint_block, keep_norm_statistics
from .ghostnet import GhostNet
from .hrnet import HRModule, HRNet
from .mmpretrain_blocks import MMPretrainBasicBlock, MMPretrainBottleneck, MMPretrainResLayer
from .mmpretrain_variants import MMPRETRAIN_BACKBONES
from .registry import BACKBONES
from .regnet import RegNet, RegNetBottleneck
from .res2net import Bottle2neck, Res2Net
from .res_layer import ResLayer, make_downsample
from .residual_blocks import BasicBlock, Bottleneck, SimplifiedBasicBlock, get_expansion
from .resnet import ResNet, ResNetV1c, ResNetV1d, StageSpec
from .resnet_cifar import ResNet_CIFAR
from .resnext import ResNeXt
from .ssd_vgg import SSDVGG
from .vgg import VGG, make_vgg_layer

__version__ = "0.1.0"

__all__ = [
    "BACKBONES",
    "MMPRETRAIN_BACKBONES",
    "SSDVGG",
    "VGG",
    "BaseBackbone",
    "BasicBlock",
    "Bottle2neck",
    "Bottleneck",
    "GhostNet",
    "HRModule",
    "HRNet",
    "MMPretrainBasicBlock",
    "MMPretrainBottleneck",
    "MMPretrainResLayer",
    "RegNet",
    "RegNetBottleneck",
    "Res2Net",
    "ResLayer",
    "ResNeXt",
    "ResNet",
    "ResNetV1c",
    "ResNetV1d",
    "ResNet_CIFAR",
    "SimplifiedBasicBlock",
    "StageSpec",
    "__version__",
    "checkpoint_block",
    "get_expansion",
    "keep_norm_statistics",
    "make_downsample",
    "make_vgg_layer",
]

"""ResNet for 32x32 inputs (CIFAR): a 3x3 stride-1 stem and no max-pool, as in mmcls's guide to adding a backbone."""

from __future__ import annotations

from typing import Any

import torch.nn as nn

from cnn_layers import build_conv_layer, build_norm_layer

from .registry import BACKBONES
from .resnet import ResNet


@BACKBONES.register_module()
class ResNet_CIFAR(ResNet):  # noqa: N801 - the OpenMMLab type name used in configs
    """ResNet whose stem keeps the full resolution of small images.

    The 7x7 stride-2 conv becomes a 3x3 stride-1 conv and the max-pool goes, so a 32x32 image
    reaches the first stage at 32x32 instead of 8x8. Only the stem is overridden: the base class
    runs the layers it builds and derives the stride (1) from them. Every other argument is ResNet's.

    Args:
        depth: 18, 34, 50, 101 or 152.
        deep_stem: Must be ``False``: the CIFAR stem is a single conv.
        norm_eval: ``False`` by default, as in mmcls: this backbone is trained from scratch on small images.
        **kwargs: Any other ``ResNet`` argument.

    Example:
        >>> import torch
        >>> model = ResNet_CIFAR(depth=18).eval()
        >>> [tuple(f.shape) for f in model(torch.rand(1, 3, 32, 32))]
        [(1, 64, 32, 32), (1, 128, 16, 16), (1, 256, 8, 8), (1, 512, 4, 4)]
        >>> model.out_strides
        (1, 2, 4, 8)
    """

    def __init__(self, depth: int, deep_stem: bool = False, norm_eval: bool = False, **kwargs: Any) -> None:
        if deep_stem:
            raise ValueError(f"deep_stem={deep_stem!r}: ResNet_CIFAR has a single 3x3 stem conv; use deep_stem=False")
        super().__init__(depth, deep_stem=False, norm_eval=norm_eval, **kwargs)

    def make_stem_layer(self, in_channels: int, stem_channels: int) -> None:
        """A 3x3 stride-1 conv, norm and ReLU: no max-pool."""
        self.conv1 = build_conv_layer(
            self.conv_cfg, in_channels, stem_channels, kernel_size=3, stride=1, padding=1, bias=False
        )
        self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, stem_channels, postfix=1)
        self.add_module(self.norm1_name, norm1)
        self.relu = nn.ReLU(inplace=True)

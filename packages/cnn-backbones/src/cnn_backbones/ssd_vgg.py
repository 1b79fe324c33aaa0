"""The VGG-16 of SSD (Liu et al., 2016): Caffe pooling, no last pool, and fc6/fc7 as dilated convs."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn as nn

from .registry import BACKBONES
from .vgg import VGG


@BACKBONES.register_module()
class SSDVGG(VGG):
    """VGG for SSD, returning ``conv4_3`` (after ReLU) and ``fc7`` by default.

    After the five VGG stages (``ceil_mode=True``, no last pool) ``features`` continues with
    pool5 (3x3, stride 1), fc6 as a 3x3 conv with dilation 6 (1024 channels), ReLU, fc7 as a
    1x1 conv, ReLU: indices 30 to 34 for VGG-16, the layout of ``open-mmlab://vgg16_caffe`` and
    of mmdet's ``SSDVGG``. The L2 normalisation and extra layers of SSD belong to its neck.

    Args:
        depth: 11, 13, 16 or 19 (16 for SSD300/SSD512).
        with_last_pool: Keep the max-pool of the last VGG stage.
        ceil_mode: Round max-pool output sizes up (Caffe's convention).
        out_indices: The VGG stages that hold ``out_feature_indices`` (mmdet's configs give ``(3, 4)``);
            checked against them, so a config that disagrees fails instead of being ignored.
        out_feature_indices: Indices in ``features`` whose outputs are returned.
        pretrained: Checkpoint to load in ``init_weights``, e.g. ``'open-mmlab://vgg16_caffe'``.
        init_cfg: Initialisation config.

    Example:
        >>> import torch
        >>> model = SSDVGG(16).eval()
        >>> [tuple(f.shape) for f in model(torch.rand(1, 3, 64, 64))]
        [(1, 512, 8, 8), (1, 1024, 4, 4)]
        >>> model.out_channels, model.out_strides
        ((512, 1024), (8, 16))
    """

    def __init__(
        self,
        depth: int,
        with_last_pool: bool = False,
        ceil_mode: bool = True,
        out_indices: Sequence[int] = (3, 4),
        out_feature_indices: Sequence[int] = (22, 34),
        pretrained: str | None = None,
        init_cfg: dict | list[dict] | None = None,
    ) -> None:
        super().__init__(
            depth,
            with_last_pool=with_last_pool,
            ceil_mode=ceil_mode,
            pretrained=pretrained,
            init_cfg=init_cfg,
        )
        last_pool = len(self.features)
        self.features.add_module(str(last_pool), nn.MaxPool2d(kernel_size=3, stride=1, padding=1))
        self.features.add_module(str(last_pool + 1), nn.Conv2d(512, 1024, kernel_size=3, padding=6, dilation=6))
        self.features.add_module(str(last_pool + 2), nn.ReLU(inplace=True))
        self.features.add_module(str(last_pool + 3), nn.Conv2d(1024, 1024, kernel_size=1))
        self.features.add_module(str(last_pool + 4), nn.ReLU(inplace=True))
        if isinstance(out_feature_indices, int) or not all(
            isinstance(i, int) and 0 <= i < len(self.features) for i in out_feature_indices
        ):
            raise ValueError(
                f"out_feature_indices={out_feature_indices!r}: "
                f"expected indices into features, in [0, {len(self.features) - 1}]"
            )
        self.out_feature_indices = tuple(sorted(out_feature_indices))
        stages = tuple(sorted({self.stage_of(i) for i in self.out_feature_indices}))
        if tuple(sorted(out_indices)) != stages:
            raise ValueError(
                f"out_indices={tuple(out_indices)!r}: out_feature_indices={tuple(out_feature_indices)!r} lie in "
                f"stages {stages}; give out_indices={stages} or leave it out"
            )
        channels, strides, c, s = [], [], 3, 1
        for layer in self.features:
            if isinstance(layer, nn.Conv2d):
                c = layer.out_channels
            elif isinstance(layer, nn.MaxPool2d):
                s *= layer.stride if isinstance(layer.stride, int) else layer.stride[0]
            channels.append(c)
            strides.append(s)
        self.out_indices = self.out_feature_indices
        self.set_stages(channels, strides, num_stages=len(self.range_sub_modules))

    def stage_of(self, feature_index: int) -> int:
        """The VGG stage that layer ``features[feature_index]`` belongs to (pool5, fc6 and fc7 count as the last)."""
        for stage, (start, end) in enumerate(self.range_sub_modules):
            if start <= feature_index < end:
                return stage
        return len(self.range_sub_modules) - 1

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Run ``features`` and return the outputs at ``out_feature_indices``."""
        outs = []
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i in self.out_feature_indices:
                outs.append(x)
        return tuple(outs)

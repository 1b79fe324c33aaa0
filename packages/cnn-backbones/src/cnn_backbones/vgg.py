"""VGG (Simonyan and Zisserman, 2015) with torchvision's and mmcv's ``features.N`` state-dict keys."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import torch
import torch.nn as nn

from cnn_layers import build_norm_layer

from .base import BaseBackbone
from .registry import BACKBONES


def make_vgg_layer(
    inplanes: int, planes: int, num_blocks: int, dilation: int = 1, with_bn: bool = False, ceil_mode: bool = False
) -> list[nn.Module]:
    """The modules of one VGG stage: ``num_blocks`` x (3x3 conv, [BN], ReLU), then a 2x2 max-pool.

    Example:
        >>> [type(m).__name__ for m in make_vgg_layer(3, 64, 2, with_bn=True)]
        ['Conv2d', 'BatchNorm2d', 'ReLU', 'Conv2d', 'BatchNorm2d', 'ReLU', 'MaxPool2d']
    """
    layers: list[nn.Module] = []
    for _ in range(num_blocks):
        layers.append(nn.Conv2d(inplanes, planes, kernel_size=3, padding=dilation, dilation=dilation))
        if with_bn:
            layers.append(nn.BatchNorm2d(planes))
        layers.append(nn.ReLU(inplace=True))
        inplanes = planes
    layers.append(nn.MaxPool2d(kernel_size=2, stride=2, ceil_mode=ceil_mode))
    return layers


@BACKBONES.register_module()
class VGG(BaseBackbone):
    """VGG backbone: five stages of 3x3 convs, each ending with a max-pool, in one ``features`` sequence.

    The layer indices inside ``features`` are torchvision's, so ``torchvision://vgg16`` (and
    ``vgg16_bn`` with ``with_bn=True``) loads into ``VGG(16, num_classes=1000)`` with ``strict=True``,
    or into ``VGG(16)`` once its ``classifier.*`` keys are dropped.

    Args:
        depth: 11, 13, 16 or 19.
        with_bn: Add a BatchNorm after every conv (as ``norm_cfg=dict(type='BN')``).
        num_classes: Add torchvision's 7x7 adaptive pool and three-layer classifier with this many
            outputs (the logits are appended to the returned tuple); -1 for none.
        num_stages: Number of stages, 1 to 5.
        dilations: Dilation of each stage's convs.
        out_indices: Stages whose outputs (after their max-pool) are returned.
        frozen_stages: Stages to freeze (no gradients, eval mode); -1 freezes nothing.
        norm_eval: Keep batch-norm layers in eval mode during training (mmcv's ``bn_eval``).
        ceil_mode: Round the max-pool output size up (Caffe's convention).
        with_last_pool: Keep the max-pool of the last stage.
        pretrained: Checkpoint to load in ``init_weights``.
        init_cfg: Initialisation config.
        norm_cfg: A norm after every conv (mmpretrain's BN variants give ``dict(type='BN')``); ``None`` for none.

    ``out_indices`` may hold 5, mmpretrain's index of the classifier's output, which is returned last
    whenever ``num_classes > 0``.

    Example:
        >>> import torch
        >>> model = VGG(11, out_indices=(2, 4)).eval()
        >>> [tuple(f.shape) for f in model(torch.rand(1, 3, 32, 32))]
        [(1, 256, 4, 4), (1, 512, 1, 1)]
        >>> model.out_channels, model.out_strides
        ((256, 512), (8, 32))
    """

    pool_before_classifier: ClassVar[bool] = True
    """torchvision pools to 7x7 before the classifier; mmpretrain flattens the map as it is (224x224 inputs)."""
    arch_settings: ClassVar[dict[int, tuple[int, ...]]] = {
        11: (1, 1, 2, 2, 2),
        13: (2, 2, 2, 2, 2),
        16: (2, 2, 3, 3, 3),
        19: (2, 2, 4, 4, 4),
    }

    def __init__(
        self,
        depth: int,
        with_bn: bool = False,
        num_classes: int = -1,
        num_stages: int = 5,
        dilations: Sequence[int] = (1, 1, 1, 1, 1),
        out_indices: Sequence[int] = (0, 1, 2, 3, 4),
        frozen_stages: int = -1,
        norm_eval: bool = False,
        ceil_mode: bool = False,
        with_last_pool: bool = True,
        pretrained: str | None = None,
        init_cfg: dict | list[dict] | None = None,
        norm_cfg: dict | None = None,
    ) -> None:
        if norm_cfg is not None and not isinstance(norm_cfg, dict):
            raise TypeError(f"norm_cfg={norm_cfg!r}: expected a config dict such as dict(type='BN') or None")
        with_bn = with_bn or norm_cfg is not None
        self.vgg_norm_cfg = (norm_cfg or dict(type="BN")) if with_bn else None
        indices = (out_indices,) if isinstance(out_indices, int) else tuple(out_indices)
        if 5 in indices and num_classes <= 0:
            raise ValueError(f"out_indices={out_indices!r}: 5 is the classifier's output; give num_classes > 0")
        self.has_extra_output = num_classes > 0
        default_init: list[dict] = [dict(type="Kaiming", layer="Conv2d")]  # only layers this VGG has
        if with_bn:
            default_init.append(dict(type="Constant", val=1, layer="BatchNorm2d"))
        if num_classes > 0:
            default_init.append(dict(type="Normal", std=0.01, layer="Linear"))
        super().__init__(
            out_indices=tuple(i for i in indices if i != 5),
            frozen_stages=frozen_stages,
            norm_eval=norm_eval,
            pretrained=pretrained,
            init_cfg=init_cfg,
            default_init_cfg=default_init,
        )
        if depth not in self.arch_settings:
            raise ValueError(f"depth={depth!r}: expected one of {sorted(self.arch_settings)}")
        if not isinstance(num_stages, int) or not 1 <= num_stages <= 5:
            raise ValueError(f"num_stages={num_stages!r}: expected an int in [1, 5]")
        if len(dilations) != num_stages:
            raise ValueError(f"dilations={tuple(dilations)!r}: expected {num_stages} values, one per stage")
        self.depth = depth
        self.num_classes = num_classes
        self.stage_blocks = self.arch_settings[depth][:num_stages]

        layers: list[nn.Module] = []
        self.range_sub_modules: list[tuple[int, int]] = []
        inplanes = 3
        stage_channels = []
        for i, num_blocks in enumerate(self.stage_blocks):
            planes = 64 * 2**i if i < 4 else 512
            stage = self.make_stage(inplanes, planes, num_blocks, dilations[i], ceil_mode)
            if i == len(self.stage_blocks) - 1 and not with_last_pool:
                stage.pop()
            self.range_sub_modules.append((len(layers), len(layers) + len(stage)))
            layers.extend(stage)
            inplanes = planes
            stage_channels.append(planes)
        self.features = nn.Sequential(*layers)
        if num_classes > 0:
            if self.pool_before_classifier:
                self.avgpool = nn.AdaptiveAvgPool2d((7, 7))
            self.classifier = nn.Sequential(
                nn.Linear(512 * 7 * 7, 4096),
                nn.ReLU(True),
                nn.Dropout(),
                nn.Linear(4096, 4096),
                nn.ReLU(True),
                nn.Dropout(),
                nn.Linear(4096, num_classes),
            )
        strides = [2 ** (i + 1) for i in range(num_stages)]
        if not with_last_pool:
            strides[-1] //= 2
        self.set_stages(stage_channels, strides)

    def make_stage(
        self, inplanes: int, planes: int, num_blocks: int, dilation: int, ceil_mode: bool
    ) -> list[nn.Module]:
        """The modules of one stage, in torchvision's layout (conv, [norm], ReLU, ..., max-pool)."""
        layers = make_vgg_layer(inplanes, planes, num_blocks, dilation, False, ceil_mode)
        if self.vgg_norm_cfg is None:
            return layers
        with_norms: list[nn.Module] = []
        for layer in layers:
            with_norms.append(layer)
            if isinstance(layer, nn.Conv2d):
                with_norms.append(build_norm_layer(self.vgg_norm_cfg, layer.out_channels)[1])
        return with_norms

    def stage_modules(self, index: int) -> list[nn.Module]:
        """The convs, norms, ReLUs and pool of stage ``index`` in ``features``."""
        start, end = self.range_sub_modules[index]
        return [self.features[j] for j in range(start, end)]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Return the stage outputs in ``out_indices`` (and the logits if there is a classifier)."""
        outs = []
        for i, (start, end) in enumerate(self.range_sub_modules):
            for j in range(start, end):
                x = self.features[j](x)
            if i in self.out_indices:
                outs.append(x)
        if self.num_classes > 0:
            pooled = self.avgpool(x) if self.pool_before_classifier else x
            outs.append(self.classifier(torch.flatten(pooled, 1)))
        return tuple(outs)

"""GhostNet (Han et al., 2020): MobileNetV3-like stages built from cnn-bundles' Ghost bottlenecks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

import torch
import torch.nn as nn

from cnn_bundles import ConvModule, GhostBottleneck, make_divisible

from .base import BaseBackbone
from .registry import BACKBONES


@BACKBONES.register_module()
class GhostNet(BaseBackbone):
    """GhostNet backbone: a 3x3 stem, nine stages of Ghost bottlenecks and a 1x1 conv stage.

    ``blocks[i]`` is stage ``i``; ``blocks[9]`` is the final 1x1 conv to ``960 * widen_factor``
    channels. The default ``out_indices`` are the last stage at each resolution (strides 4, 8,
    16, 32), the widest features there. timm's ``features_only`` GhostNet reports the first stage
    at each resolution instead; ``out_indices=(1, 3, 5, 7)`` gives the same maps.

    Args:
        widen_factor: Width multiplier (0.5, 1.0 and 1.3 are published); channels are rounded to multiples of 4.
        in_channels: Input image channels.
        out_indices: Stages (0 to 9) whose outputs are returned.
        frozen_stages: Freeze the stem (0) and stages ``0 .. frozen_stages - 1``; -1 freezes nothing.
        conv_cfg: Config of the convs.
        norm_cfg: Config of the norm layers.
        norm_eval: Keep batch-norm layers in eval mode during training.
        pretrained: Checkpoint to load in ``init_weights``.
        init_cfg: Initialisation config.

    Example:
        >>> import torch
        >>> model = GhostNet().eval()
        >>> model.out_channels, model.out_strides
        ((24, 40, 112, 960), (4, 8, 16, 32))
        >>> [tuple(f.shape) for f in model(torch.rand(1, 3, 32, 32))]
        [(1, 24, 8, 8), (1, 40, 4, 4), (1, 112, 2, 2), (1, 960, 1, 1)]
    """

    # Per stage, per block: kernel size, expansion (mid) channels, output channels, SE ratio, stride.
    arch_settings: ClassVar[tuple[tuple[tuple[int, int, int, float, int], ...], ...]] = (
        ((3, 16, 16, 0, 1),),
        ((3, 48, 24, 0, 2),),
        ((3, 72, 24, 0, 1),),
        ((5, 72, 40, 0.25, 2),),
        ((5, 120, 40, 0.25, 1),),
        ((3, 240, 80, 0, 2),),
        ((3, 200, 80, 0, 1), (3, 184, 80, 0, 1), (3, 184, 80, 0, 1), (3, 480, 112, 0.25, 1), (3, 672, 112, 0.25, 1)),
        ((5, 672, 160, 0.25, 2),),
        ((5, 960, 160, 0, 1), (5, 960, 160, 0.25, 1), (5, 960, 160, 0, 1), (5, 960, 160, 0.25, 1)),
    )
    out_expansion: ClassVar[int] = 960

    def __init__(
        self,
        widen_factor: float = 1.0,
        in_channels: int = 3,
        out_indices: Sequence[int] = (2, 4, 6, 9),
        frozen_stages: int = -1,
        conv_cfg: dict | None = None,
        norm_cfg: dict | None = None,
        norm_eval: bool = False,
        pretrained: str | None = None,
        init_cfg: dict | list[dict] | None = None,
    ) -> None:
        super().__init__(
            out_indices=out_indices,
            frozen_stages=frozen_stages,
            norm_eval=norm_eval,
            pretrained=pretrained,
            init_cfg=init_cfg,
        )
        if not isinstance(widen_factor, (int, float)) or widen_factor <= 0:
            raise ValueError(f"widen_factor={widen_factor!r}: expected a positive number")
        self.widen_factor = widen_factor
        self.conv_cfg = conv_cfg
        self.norm_cfg = dict(type="BN") if norm_cfg is None else norm_cfg
        norm_cfg = self.norm_cfg

        stem_channels = make_divisible(16 * widen_factor, 4)
        self.make_stem(in_channels, stem_channels)
        channels, stride = stem_channels, self.stem_stride
        stages: list[nn.Module] = []
        stage_channels, stage_strides = [], []
        for stage_setting in self.arch_settings:
            blocks = []
            for kernel_size, exp_channels, out_channels, se_ratio, block_stride in stage_setting:
                out_channels = make_divisible(out_channels * widen_factor, 4)
                mid_channels = make_divisible(exp_channels * widen_factor, 4)
                blocks.append(
                    GhostBottleneck(
                        channels,
                        mid_channels,
                        out_channels,
                        dw_kernel_size=kernel_size,
                        stride=block_stride,
                        se_ratio=se_ratio,
                        conv_cfg=conv_cfg,
                        norm_cfg=norm_cfg,
                    )
                )
                channels = out_channels
                stride *= block_stride
            stages.append(nn.Sequential(*blocks))
            stage_channels.append(channels)
            stage_strides.append(stride)
        out_channels = make_divisible(self.out_expansion * widen_factor, 4)
        stages.append(nn.Sequential(ConvModule(channels, out_channels, 1, conv_cfg=conv_cfg, norm_cfg=norm_cfg)))
        stage_channels.append(out_channels)
        stage_strides.append(stride)
        self.blocks = nn.Sequential(*stages)
        self.set_stages(stage_channels, stage_strides)

    def make_stem_layer(self, in_channels: int, stem_channels: int) -> None:
        """A 3x3 stride-2 ConvModule (conv, norm, ReLU)."""
        self.stem = ConvModule(
            in_channels, stem_channels, 3, stride=2, padding=1, conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg
        )

    def stage_modules(self, index: int) -> list[nn.Module]:
        """Stage ``index`` is ``blocks[index]``."""
        return [self.blocks[index]]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Return the outputs of the stages in ``out_indices``."""
        x = self.forward_stem(x)
        outs = []
        for i, stage in enumerate(self.blocks):
            x = stage(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

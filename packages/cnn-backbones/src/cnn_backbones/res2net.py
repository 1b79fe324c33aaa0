"""Res2Net (Gao et al., 2019): bottlenecks whose 3x3 conv is a hierarchy of ``scales`` smaller convs.

The OpenMMLab weights (``open-mmlab://res2net101_v1d_26w_4s``) have a deep stem and average-pool
shortcuts (the "v1d" of the checkpoint names), the defaults here; mmpretrain also builds the plain
variant (``deep_stem=False, avg_down=False``).
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
import torch.nn as nn

from cnn_layers import build_conv_layer, build_norm_layer

from .registry import BACKBONES
from .residual_blocks import BasicBlock, Bottleneck
from .resnet import ResNet, StageSpec


class Bottle2neck(Bottleneck):
    """A Res2Net bottleneck: the 3x3 conv becomes ``scales - 1`` convs over channel slices.

    The first 1x1 conv makes ``width * scales`` channels, split into ``scales`` slices. Slice ``i``
    goes through its own 3x3 conv after the previous conv's output is added to it, so later slices
    see ever larger receptive fields; the last slice passes through (average-pooled when the block
    strides). The first block of a stage (the one with a projection ``downsample``) does not add
    the previous output, because its slices have not been filtered yet.

    stride, dilation, downsample, style, with_cp, conv_cfg, norm_cfg, dcn, plugins and init_cfg are those of
    ``Bottleneck``.

    Args:
        inplanes: Input channels.
        planes: Base channels; the output has ``planes * 4`` channels.
        scales: Number of slices, at least 2.
        base_width: Channels of a slice at ``base_channels``.
        base_channels: The ``planes`` at which a slice has ``base_width`` channels.
        stage_pool_at_stride_one: Pool the last slice of a stage's first block also at stride 1 (mmpretrain).

    Example:
        >>> import torch
        >>> block = Bottle2neck(64, 64, scales=4, base_width=26, downsample=nn.Conv2d(64, 256, 1))
        >>> len(block.convs), block.width
        (3, 26)
        >>> block(torch.rand(1, 64, 8, 8)).shape
        torch.Size([1, 256, 8, 8])
    """

    def __init__(
        self,
        inplanes: int,
        planes: int,
        scales: int = 4,
        base_width: int = 26,
        base_channels: int = 64,
        stage_pool_at_stride_one: bool = False,
        **kwargs: Any,
    ) -> None:
        if not isinstance(scales, int) or scales < 2:
            raise ValueError(f"scales={scales!r}: expected an int >= 2 (scales=1 is a plain ResNet bottleneck)")
        self.scales = scales
        self.stage_pool_at_stride_one = stage_pool_at_stride_one
        super().__init__(inplanes, planes, base_width=base_width, base_channels=base_channels, **kwargs)
        self.width = self.mid_channels_per_scale

    def middle_channels(self, planes: int, groups: int, base_width: int, base_channels: int) -> int:
        """``scales`` slices of ``planes * base_width // base_channels`` channels each."""
        self.mid_channels_per_scale = planes * base_width // base_channels
        return self.mid_channels_per_scale * self.scales

    def make_middle(
        self, channels: int, conv_cfg: dict | None, norm_cfg: dict, groups: int, first_in_stage: bool
    ) -> None:
        """``scales - 1`` 3x3 convs with their norms in ``convs``/``bns``, and a pool for the last slice."""
        width = channels // self.scales
        self.stage_type = "stage" if first_in_stage else "normal"
        if self.pools_last_slice:
            self.pool = nn.AvgPool2d(kernel_size=3, stride=self.conv2_stride, padding=1)
        self.convs = nn.ModuleList(
            build_conv_layer(
                conv_cfg,
                width,
                width,
                kernel_size=3,
                stride=self.conv2_stride,
                padding=self.dilation,
                dilation=self.dilation,
                bias=False,
            )
            for _ in range(self.scales - 1)
        )
        self.bns = nn.ModuleList(build_norm_layer(norm_cfg, width, postfix=i + 1)[1] for i in range(self.scales - 1))

    @property
    def pools_last_slice(self) -> bool:
        """Whether the last slice is average-pooled: in the first block of a stage when it strides (mmdet), or
        always there with ``stage_pool_at_stride_one`` (mmpretrain)."""
        return self.stage_type == "stage" and (self.conv2_stride != 1 or self.stage_pool_at_stride_one)

    def forward_middle(self, x: torch.Tensor) -> torch.Tensor:
        """Filter the slices hierarchically and concatenate them again."""
        slices = torch.split(x, self.width, dim=1)
        outs = []
        sp = slices[0]
        for i, (conv, bn) in enumerate(zip(self.convs, self.bns, strict=True)):
            if i > 0:
                sp = slices[i] if self.stage_type == "stage" else sp + slices[i]
            sp = self.relu(bn(conv(sp.contiguous())))
            outs.append(sp)
        last = slices[-1]
        if self.pools_last_slice:
            last = self.pool(last)
        outs.append(last)
        return torch.cat(outs, dim=1)


@BACKBONES.register_module()
class Res2Net(ResNet):
    """Res2Net backbone, by default the v1d variant (deep stem, average-pool shortcuts) of the published weights.

    Args:
        depth: 50, 101 or 152.
        scales: Slices per bottleneck.
        base_width: Channels of a slice in the first stage (26 in ``res2net101_v1d_26w_4s``).
        style: Must be ``'pytorch'``.
        deep_stem: The three-conv stem of v1d (``True``, mmdet's and mmpretrain's default) or the 7x7 conv
            (``False``, mmpretrain's plain Res2Net).
        avg_down: Average-pool shortcuts (v1d).
        **kwargs: Any other ``ResNet`` argument.

    Example:
        >>> import torch
        >>> model = Res2Net(depth=50, scales=4, base_width=26).eval()
        >>> [tuple(f.shape) for f in model(torch.rand(1, 3, 32, 32))]
        [(1, 256, 8, 8), (1, 512, 4, 4), (1, 1024, 2, 2), (1, 2048, 1, 1)]
        >>> Res2Net(depth=50, deep_stem=False, avg_down=False).conv1
        Conv2d(3, 64, kernel_size=(7, 7), stride=(2, 2), padding=(3, 3), bias=False)
    """

    arch_settings: ClassVar[dict[int, tuple[type[Bottle2neck], tuple[int, ...]]]] = {
        50: (Bottle2neck, (3, 4, 6, 3)),
        101: (Bottle2neck, (3, 4, 23, 3)),
        152: (Bottle2neck, (3, 8, 36, 3)),
    }

    stage_pool_at_stride_one: ClassVar[bool] = False
    """mmpretrain pools the last slice of a stage's first block even at stride 1; mmdet does not."""

    def __init__(
        self,
        depth: int,
        scales: int = 4,
        base_width: int = 26,
        style: str = "pytorch",
        deep_stem: bool = True,
        avg_down: bool = True,
        **kwargs: Any,
    ) -> None:
        if style != "pytorch":
            raise ValueError(f"style={style!r}: Res2Net is built with style='pytorch'")
        self.scales = scales
        self.base_width = base_width
        super().__init__(depth, style=style, deep_stem=deep_stem, avg_down=avg_down, **kwargs)

    def stage_specs(self, depth: int) -> tuple[type[BasicBlock] | type[Bottleneck], list[StageSpec]]:
        """ResNet's stages of ``Bottle2neck`` blocks, each with ``scales`` slices."""
        block, specs = super().stage_specs(depth)
        args = dict(
            scales=self.scales,
            base_width=self.base_width,
            base_channels=self.base_channels,
            stage_pool_at_stride_one=self.stage_pool_at_stride_one,
        )
        return block, [StageSpec(s.planes, s.num_blocks, args) for s in specs]

"""A ResNet stage: a shortcut projection followed by ``num_blocks`` residual blocks."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch.nn as nn

from cnn_layers import build_conv_layer, build_norm_layer

from .residual_blocks import get_expansion


def make_downsample(
    inplanes: int,
    out_channels: int,
    stride: int,
    *,
    avg_down: bool = False,
    conv_cfg: dict | None = None,
    norm_cfg: dict | None = None,
    pool_at_stride_one: bool = True,
) -> nn.Sequential:
    """Build the projection shortcut of the first block of a stage.

    With ``avg_down`` the stride moves from the 1x1 conv to a preceding average pool (ResNet-D),
    which keeps every input pixel in the shortcut. As in mmdet the pool is there even at stride 1,
    so the keys (``downsample.1``/``downsample.2``) do not depend on the stride; mmpretrain leaves
    it out at stride 1 (``pool_at_stride_one=False``, keys ``downsample.0``/``downsample.1``).

    Example:
        >>> [type(m).__name__ for m in make_downsample(64, 256, 1)]
        ['Conv2d', 'BatchNorm2d']
        >>> type(make_downsample(256, 512, 2, avg_down=True)[0]).__name__
        'AvgPool2d'
    """
    norm_cfg = dict(type="BN") if norm_cfg is None else norm_cfg
    layers: list[nn.Module] = []
    conv_stride = stride
    if avg_down and (stride != 1 or pool_at_stride_one):
        conv_stride = 1
        layers.append(nn.AvgPool2d(kernel_size=stride, stride=stride, ceil_mode=True, count_include_pad=False))
    layers.append(build_conv_layer(conv_cfg, inplanes, out_channels, kernel_size=1, stride=conv_stride, bias=False))
    layers.append(build_norm_layer(norm_cfg, out_channels)[1])
    return nn.Sequential(*layers)


class ResLayer(nn.Sequential):
    """A stage of residual blocks; the first block carries the stride and the shortcut projection.

    Args:
        block: The block class (``BasicBlock``, ``Bottleneck`` or a subclass); its ``expansion``
            gives the output channels ``planes * expansion``.
        inplanes: Input channels of the stage.
        planes: Base channels of the blocks.
        num_blocks: Number of blocks, at least 1.
        stride: Stride of the first block.
        avg_down: Downsample the shortcut with an average pool instead of a strided 1x1 conv.
        conv_cfg: Config of the conv layers (``None`` means ``Conv2d``).
        norm_cfg: Config of the norm layers.
        downsample_first: Put the strided block first (ResNet) or last (hourglass networks).
        pool_at_stride_one: With ``avg_down``, keep the average pool in a stride-1 shortcut (mmdet) or not (mmpretrain).
        expansion: Output channels per ``planes``; ``None`` for the block's own.
        drop_path_rate: Stochastic-depth rate of every block, or one per block.
        dilation: Dilation of the blocks' 3x3 convs.
        multi_grid: mmseg's per-block dilations, replacing ``dilation``.
        contract_dilation: Halve the first block's dilation when it is above 1 (mmseg).
        **kwargs: Passed to every block (``dilation``, ``style``, ``with_cp``, ``dcn``, ``plugins`` ...).

    Example:
        >>> import torch
        >>> from cnn_backbones import BasicBlock, ResLayer
        >>> stage = ResLayer(BasicBlock, 64, 128, num_blocks=2, stride=2)
        >>> stage(torch.rand(1, 64, 8, 8)).shape
        torch.Size([1, 128, 4, 4])
    """

    def __init__(
        self,
        block: type[nn.Module],
        inplanes: int,
        planes: int,
        num_blocks: int,
        stride: int = 1,
        avg_down: bool = False,
        conv_cfg: dict | None = None,
        norm_cfg: dict | None = None,
        downsample_first: bool = True,
        pool_at_stride_one: bool = True,
        expansion: int | None = None,
        drop_path_rate: float | Sequence[float] = 0.0,
        dilation: int = 1,
        multi_grid: Sequence[int] | None = None,
        contract_dilation: bool = False,
        **kwargs: Any,
    ) -> None:
        if not isinstance(num_blocks, int) or num_blocks < 1:
            raise ValueError(f"num_blocks={num_blocks!r}: expected a positive int")
        rates = [drop_path_rate] * num_blocks if isinstance(drop_path_rate, (int, float)) else list(drop_path_rate)
        if len(rates) != num_blocks:
            raise ValueError(f"drop_path_rate={drop_path_rate!r}: expected one rate or {num_blocks}, one per block")
        norm_cfg = dict(type="BN") if norm_cfg is None else norm_cfg
        if expansion is not None:
            kwargs["expansion"] = expansion
        expansion = get_expansion(block, expansion)
        downsample = None
        if stride != 1 or inplanes != planes * expansion:
            downsample = make_downsample(
                inplanes,
                planes * expansion,
                stride,
                avg_down=avg_down,
                conv_cfg=conv_cfg,
                norm_cfg=norm_cfg,
                pool_at_stride_one=pool_at_stride_one,
            )
        if multi_grid is not None:
            if isinstance(multi_grid, int) or len(multi_grid) != num_blocks:
                raise ValueError(f"multi_grid={multi_grid!r}: expected {num_blocks} dilations, one per block")
            dilations = list(multi_grid)
        else:
            first = dilation // 2 if contract_dilation and dilation > 1 else dilation
            dilations = [first] + [dilation] * (num_blocks - 1)
        common = dict(conv_cfg=conv_cfg, norm_cfg=norm_cfg, **kwargs)
        per_block = [
            dict(common, dilation=d, **({"drop_path_rate": rate} if rate else {}))
            for d, rate in zip(dilations, rates, strict=True)
        ]
        layers = []
        if downsample_first:
            layers.append(
                self.make_block(block, inplanes, planes, stride=stride, downsample=downsample, **per_block[0])
            )
            inplanes = planes * expansion
            layers.extend(
                self.make_block(block, inplanes, planes, stride=1, **per_block[i]) for i in range(1, num_blocks)
            )
        else:
            layers.extend(
                self.make_block(block, inplanes, inplanes, stride=1, **per_block[i]) for i in range(num_blocks - 1)
            )
            layers.append(
                self.make_block(block, inplanes, planes, stride=stride, downsample=downsample, **per_block[-1])
            )
        super().__init__(*layers)

    @staticmethod
    def make_block(block: type[nn.Module], inplanes: int, planes: int, **kwargs: Any) -> nn.Module:
        """Build one block of the stage; mmpretrain's ``ResLayer`` overrides it for blocks with its signature."""
        return block(inplanes=inplanes, planes=planes, **kwargs)

"""mmpretrain's signatures for the residual blocks and ``ResLayer``: channels in and out rather than mmdet's planes.

mmdet builds a block as ``Bottleneck(inplanes, planes)`` with ``planes * expansion`` output channels and a stage as
``ResLayer(block, inplanes, planes, num_blocks)``; mmpretrain builds them as ``Bottleneck(in_channels, out_channels,
expansion=4)`` and ``ResLayer(block, num_blocks, in_channels, out_channels)``. These classes take mmpretrain's
arguments and build the same modules (same state-dict keys) as the mmdet-style ones they extend.
``cnn_backbones.mmpretrain_variants`` exports the stage as ``ResLayer``. The backbones are built from the
mmdet-style ``BasicBlock`` and ``Bottleneck`` (the base classes here), so ``isinstance`` checks name those.

>>> MMPretrainBottleneck(64, 256).conv1.out_channels  # 256 // 4 channels in the middle
64
>>> stage = MMPretrainResLayer(BasicBlock, 2, 32, 64, stride=2)  # a stage accepts either kind of block
>>> [(b.in_channels, b.out_channels) for b in stage]
[(32, 64), (64, 64)]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch.nn as nn

from .res_layer import ResLayer
from .residual_blocks import BasicBlock, Bottleneck, get_expansion

__all__ = ["MMPretrainBasicBlock", "MMPretrainBottleneck", "MMPretrainResLayer"]


def planes_of(out_channels: int, expansion: int) -> int:
    """``out_channels // expansion``, or a ``ValueError`` naming both when it does not divide.

    Example:
        >>> planes_of(256, 4)
        64
        >>> planes_of(64, 3)
        Traceback (most recent call last):
        ...
        ValueError: out_channels=64 with expansion=3: out_channels must be divisible by expansion
    """
    if not isinstance(out_channels, int) or isinstance(out_channels, bool):
        raise TypeError(f"out_channels={out_channels!r}: expected an int, got {type(out_channels).__name__}")
    if out_channels < 1:
        raise ValueError(f"out_channels={out_channels!r}: expected a positive int")
    if out_channels % expansion:
        raise ValueError(
            f"out_channels={out_channels} with expansion={expansion}: out_channels must be divisible by expansion"
        )
    return out_channels // expansion


class MMPretrainBasicBlock(BasicBlock):
    """``BasicBlock`` with mmpretrain's arguments: ``(in_channels, out_channels, expansion=1, stride=1, ...)``.

    Example:
        >>> block = MMPretrainBasicBlock(64, 128, stride=2, downsample=nn.Conv2d(64, 128, 1, stride=2))
        >>> block.in_channels, block.mid_channels, block.out_channels, block.stride
        (64, 128, 128, 2)
    """

    def __init__(self, in_channels: int, out_channels: int, expansion: int = 1, stride: int = 1, **kwargs: Any) -> None:
        super().__init__(in_channels, out_channels, stride=stride, expansion=expansion, **kwargs)


class MMPretrainBottleneck(Bottleneck):
    """``Bottleneck`` with mmpretrain's arguments: ``(in_channels, out_channels, expansion=4, stride=1, ...)``.

    ``out_channels`` must be a multiple of ``expansion``; the middle convs have ``out_channels // expansion``.

    Example:
        >>> block = MMPretrainBottleneck(64, 64, expansion=2)
        >>> block.in_channels, block.mid_channels, block.out_channels
        (64, 32, 64)
    """

    def __init__(self, in_channels: int, out_channels: int, expansion: int = 4, stride: int = 1, **kwargs: Any) -> None:
        expansion = get_expansion(type(self), expansion)
        super().__init__(in_channels, planes_of(out_channels, expansion), stride=stride, expansion=expansion, **kwargs)


class MMPretrainResLayer(ResLayer):
    """A ResNet stage with mmpretrain's arguments: ``(block, num_blocks, in_channels, out_channels, expansion=None)``.

    Builds the same stage as ``ResLayer(block, in_channels, out_channels // expansion, num_blocks)`` with
    mmpretrain's shortcut (no average pool at stride 1). ``block`` may take mmdet's ``(inplanes, planes)``
    (``BasicBlock``, ``Bottleneck``, ``RegNetBottleneck`` ...) or mmpretrain's ``(in_channels, out_channels)``
    (``MMPretrainBasicBlock``, ``MMPretrainBottleneck`` and their subclasses).

    Args:
        block: The block class.
        num_blocks: Number of blocks, at least 1.
        in_channels: Input channels of the stage.
        out_channels: Output channels of the stage, a multiple of ``expansion``.
        expansion: Output channels per middle channel; ``None`` for the block's own.
        stride: Stride of the first block.
        avg_down: Downsample the shortcut with an average pool instead of a strided 1x1 conv.
        conv_cfg: Config of the conv layers (``None`` means ``Conv2d``).
        norm_cfg: Config of the norm layers.
        drop_path_rate: Stochastic-depth rate of every block, or one per block.
        **kwargs: Passed to every block.

    Example:
        >>> import torch
        >>> stage = MMPretrainResLayer(Bottleneck, 3, 32, 64, stride=2)
        >>> stage[0].conv1.out_channels, stage(torch.rand(1, 32, 8, 8)).shape
        (16, torch.Size([1, 64, 4, 4]))
    """

    def __init__(
        self,
        block: type[nn.Module],
        num_blocks: int,
        in_channels: int,
        out_channels: int,
        expansion: int | None = None,
        stride: int = 1,
        avg_down: bool = False,
        conv_cfg: dict | None = None,
        norm_cfg: dict | None = None,
        drop_path_rate: float | Sequence[float] = 0.0,
        **kwargs: Any,
    ) -> None:
        planes = planes_of(out_channels, get_expansion(block, expansion))
        super().__init__(
            block,
            in_channels,
            planes,
            num_blocks,
            stride=stride,
            avg_down=avg_down,
            conv_cfg=conv_cfg,
            norm_cfg=norm_cfg,
            pool_at_stride_one=False,
            expansion=expansion,
            drop_path_rate=drop_path_rate,
            **kwargs,
        )

    @staticmethod
    def make_block(block: type[nn.Module], inplanes: int, planes: int, **kwargs: Any) -> nn.Module:
        """Build one block, giving mmpretrain-style blocks ``in_channels``/``out_channels``."""
        if issubclass(block, (MMPretrainBasicBlock, MMPretrainBottleneck)):
            out_channels = planes * get_expansion(block, kwargs.get("expansion"))
            return block(in_channels=inplanes, out_channels=out_channels, **kwargs)
        return ResLayer.make_block(block, inplanes, planes, **kwargs)

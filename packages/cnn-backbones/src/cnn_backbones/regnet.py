"""RegNetX (Radosavovic et al., 2020): ResNeXt-like stages whose widths follow a quantised linear rule."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, ClassVar

import torch.nn as nn

from cnn_layers import build_conv_layer, build_norm_layer

from .registry import BACKBONES
from .residual_blocks import BasicBlock, Bottleneck
from .resnet import ResNet, StageSpec

ARCH_KEYS = ("w0", "wa", "wm", "depth", "group_w", "bot_mul")
#: An ``arch`` may give its stages instead of the parameters that generate them (torchvision's RegNetX-400MF).
STAGE_KEYS = ("stage_widths", "stage_blocks", "group_w", "bot_mul")


class RegNetBottleneck(Bottleneck):
    """A ResNeXt bottleneck without channel expansion (``expansion = 1``), as RegNet's X block.

    Example:
        >>> RegNetBottleneck(32, 96, stride=2, groups=2, base_width=48, base_channels=96).conv2
        Conv2d(96, 96, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), groups=2, bias=False)
    """

    expansion: ClassVar[int] = 1


def generate_regnet(w0: int, wa: float, wm: float, depth: int, divisor: int = 8) -> list[int]:
    """Per-block widths of a RegNet: ``w0 + wa * j`` snapped to ``w0 * wm**k`` and to a multiple of ``divisor``.

    ``regnet_stages`` then rounds each stage width to a multiple of the group width.

    Example:
        >>> widths = generate_regnet(w0=24, wa=24.48, wm=2.54, depth=22)
        >>> sorted(set(widths)), len(widths)
        ([24, 64, 152, 392], 22)
    """
    if wa < 0 or w0 <= 0 or wm <= 1 or w0 % divisor:
        raise ValueError(f"w0={w0!r}, wa={wa!r}, wm={wm!r}: expected wa >= 0, wm > 1 and w0 > 0 divisible by {divisor}")
    widths = []
    for j in range(depth):
        k = round(math.log((w0 + wa * j) / w0) / math.log(wm))
        widths.append(int(round(w0 * wm**k / divisor) * divisor))
    return widths


def regnet_stages(arch: dict[str, Any]) -> tuple[list[int], list[int], list[int]]:
    """The (widths, blocks, group widths) of each stage of a RegNet ``arch`` dict.

    Generated widths are adjusted so each stage's bottleneck width is a multiple of its group width
    (rounding halves to even, as pycls). Given stages (``STAGE_KEYS``) are taken as they are.

    Example:
        >>> regnet_stages(dict(w0=88, wa=26.31, wm=2.25, group_w=48, depth=25, bot_mul=1.0))
        ([96, 192, 432, 1008], [2, 6, 15, 2], [48, 48, 48, 48])
        >>> regnet_stages(dict(stage_widths=(32, 64, 160, 400), stage_blocks=(1, 2, 7, 12), group_w=16, bot_mul=1.0))
        ([32, 64, 160, 400], [1, 2, 7, 12], [16, 16, 16, 16])
    """
    if "stage_widths" in arch:
        return _given_stages(arch)
    widths = generate_regnet(arch["w0"], arch["wa"], arch["wm"], arch["depth"])
    stage_widths: list[int] = []
    stage_blocks: list[int] = []
    for w in widths:
        if stage_widths and stage_widths[-1] == w:
            stage_blocks[-1] += 1
        else:
            stage_widths.append(w)
            stage_blocks.append(1)
    bot_mul = arch["bot_mul"]
    group_widths = []
    for i, w in enumerate(stage_widths):
        w_bot = int(w * bot_mul)
        group_w = min(arch["group_w"], w_bot)
        stage_widths[i] = int(round(w_bot / group_w) * group_w / bot_mul)
        group_widths.append(group_w)
    return stage_widths, stage_blocks, group_widths


def _given_stages(arch: dict[str, Any]) -> tuple[list[int], list[int], list[int]]:
    widths, blocks = list(arch["stage_widths"]), list(arch["stage_blocks"])
    if not widths or len(widths) != len(blocks) or not all(isinstance(n, int) and n > 0 for n in widths + blocks):
        raise ValueError(
            f"arch={arch!r}: expected stage_widths and stage_blocks as equally long sequences of positive ints"
        )
    group_widths = []
    for width in widths:
        w_bot = int(width * arch["bot_mul"])
        group_w = min(arch["group_w"], w_bot)
        if w_bot % group_w:
            raise ValueError(
                f"arch={arch!r}: stage width {width} gives {w_bot} bottleneck channels, "
                f"not a multiple of the group width {group_w}"
            )
        group_widths.append(group_w)
    return widths, blocks, group_widths


@BACKBONES.register_module()
class RegNet(ResNet):
    """RegNetX backbone with mmdet's state-dict keys (``conv1``, ``bn1``, ``layer1`` ...).

    A ResNet whose stages come from ``arch`` (the ``stage_specs`` hook) and whose stem is one 3x3
    stride-2 conv. Its other arguments (strides, dilations, out_indices, style, avg_down, frozen_stages,
    conv_cfg, norm_cfg, norm_eval, dcn, stage_with_dcn, plugins, with_cp, zero_init_residual,
    pretrained, init_cfg) are ResNet's.

    Args:
        arch: A published name (``'regnetx_400mf'``, ``'regnetx_800mf'``, ``'regnetx_1.6gf'``,
            ``'regnetx_3.2gf'``, ``'regnetx_4.0gf'``, ``'regnetx_6.4gf'``, ``'regnetx_8.0gf'``,
            ``'regnetx_12gf'``), a dict of the generating parameters ``w0, wa, wm, depth, group_w, bot_mul``,
            or a dict of the stages themselves ``stage_widths, stage_blocks, group_w, bot_mul``.
        in_channels: Input image channels.
        stem_channels: Channels of the 3x3 stride-2 stem conv.
        strides: Stride of the first block of each stage.
        dilations: Dilation of each stage.
        out_indices: Stages whose outputs are returned.
        deep_stem: Must be ``False``.
        **kwargs: Any other ``ResNet`` argument.

    Example:
        >>> import torch
        >>> model = RegNet('regnetx_400mf').eval()
        >>> model.out_channels, model.out_strides
        ((32, 64, 160, 384), (4, 8, 16, 32))
        >>> [tuple(f.shape) for f in model(torch.rand(1, 3, 32, 32))]
        [(1, 32, 8, 8), (1, 64, 4, 4), (1, 160, 2, 2), (1, 384, 1, 1)]
    """

    arch_settings: ClassVar[dict[str, dict[str, Any]]] = {
        "regnetx_400mf": dict(w0=24, wa=24.48, wm=2.54, group_w=16, depth=22, bot_mul=1.0),
        "regnetx_800mf": dict(w0=56, wa=35.73, wm=2.28, group_w=16, depth=16, bot_mul=1.0),
        "regnetx_1.6gf": dict(w0=80, wa=34.01, wm=2.25, group_w=24, depth=18, bot_mul=1.0),
        "regnetx_3.2gf": dict(w0=88, wa=26.31, wm=2.25, group_w=48, depth=25, bot_mul=1.0),
        "regnetx_4.0gf": dict(w0=96, wa=38.65, wm=2.43, group_w=40, depth=23, bot_mul=1.0),
        "regnetx_6.4gf": dict(w0=184, wa=60.83, wm=2.07, group_w=56, depth=17, bot_mul=1.0),
        "regnetx_8.0gf": dict(w0=80, wa=49.56, wm=2.88, group_w=120, depth=23, bot_mul=1.0),
        "regnetx_12gf": dict(w0=168, wa=73.36, wm=2.37, group_w=112, depth=19, bot_mul=1.0),
    }

    def __init__(
        self,
        arch: str | dict[str, Any],
        in_channels: int = 3,
        stem_channels: int = 32,
        strides: Sequence[int] = (2, 2, 2, 2),
        dilations: Sequence[int] = (1, 1, 1, 1),
        out_indices: Sequence[int] = (0, 1, 2, 3),
        deep_stem: bool = False,
        **kwargs: Any,
    ) -> None:
        if deep_stem:
            raise ValueError(f"deep_stem={deep_stem!r}: RegNet's stem is a single 3x3 conv")
        if "base_channels" in kwargs:
            raise TypeError(f"base_channels={kwargs['base_channels']!r}: RegNet's stage widths come from arch")
        self.arch = self.resolve_arch(arch)
        self.stage_widths, stage_blocks, self.group_widths = regnet_stages(self.arch)
        num_stages = len(self.stage_widths)
        if len(strides) != num_stages or len(dilations) != num_stages:
            raise ValueError(
                f"strides={tuple(strides)!r}, dilations={tuple(dilations)!r}: arch has {num_stages} stages"
            )
        super().__init__(
            sum(stage_blocks),
            in_channels=in_channels,
            stem_channels=stem_channels,
            num_stages=num_stages,
            strides=strides,
            dilations=dilations,
            out_indices=out_indices,
            **kwargs,
        )

    def stage_specs(self, depth: int) -> tuple[type[BasicBlock] | type[Bottleneck], list[StageSpec]]:
        """The stages ``arch`` generates: each stage's width, block count and groups."""
        _, stage_blocks, _ = regnet_stages(self.arch)
        specs = []
        for width, num_blocks, group_w in zip(self.stage_widths, stage_blocks, self.group_widths, strict=True):
            bottleneck_width = round(width * self.arch["bot_mul"])
            args = dict(groups=bottleneck_width // group_w, base_width=group_w, base_channels=width)
            specs.append(StageSpec(width, num_blocks, args))
        return RegNetBottleneck, specs

    @classmethod
    def resolve_arch(cls, arch: str | dict[str, Any]) -> dict[str, Any]:
        """Turn a published name into its parameter dict; check a given dict has every parameter.

        Example:
            >>> RegNet.resolve_arch('regnetx_800mf')['group_w']
            16
        """
        if isinstance(arch, str):
            if arch not in cls.arch_settings:
                raise ValueError(f"arch={arch!r}: expected one of {sorted(cls.arch_settings)} or a dict")
            return dict(cls.arch_settings[arch])
        if not isinstance(arch, dict):
            raise TypeError(f"arch={arch!r}: expected a name such as 'regnetx_3.2gf' or a dict with keys {ARCH_KEYS}")
        keys = STAGE_KEYS if "stage_widths" in arch else ARCH_KEYS
        missing = [k for k in keys if k not in arch]
        if missing:
            raise ValueError(f"arch={arch!r}: missing keys {missing}; expected all of {keys}")
        return dict(arch)

    def make_stem_layer(self, in_channels: int, stem_channels: int) -> None:
        """A 3x3 stride-2 conv, norm and ReLU: no max-pool."""
        self.conv1 = build_conv_layer(
            self.conv_cfg, in_channels, stem_channels, kernel_size=3, stride=2, padding=1, bias=False
        )
        self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, stem_channels, postfix=1)
        self.add_module(self.norm1_name, norm1)
        self.relu = nn.ReLU(inplace=True)

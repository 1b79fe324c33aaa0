"""Res2Net (Gao et al., 2019): bottlenecks whose 3x3 conv is a hierarchy of ``scales`` smaller convs.

The OpenMMLab variant (``open-mmlab://res2net101_v1d_26w_4s``) has a deep stem and average-pool
shortcuts (the "v1d" of the checkpoint names), so those are fixed here.
"""

from __future__ import annotations

from typing import Any, ClassVar

import torch
import torch.nn as nn

from cnn_init import BaseModule
from cnn_layers import build_conv_layer, build_norm_layer

from .registry import BACKBONES
from .res_layer import ResLayer
from .resnet import Bottleneck, ResNet, check_dcn, check_plugins, check_style


class Bottle2neck(Bottleneck):
    """A Res2Net bottleneck: the 3x3 conv becomes ``scales - 1`` convs over channel slices.

    The first 1x1 conv makes ``width * scales`` channels, split into ``scales`` slices. Slice ``i``
    goes through its own 3x3 conv after the previous conv's output is added to it, so later slices
    see ever larger receptive fields; the last slice passes through (average-pooled when the block
    strides). The first block of a stage (the one with a projection ``downsample``) does not add
    the previous output, because its slices have not been filtered yet.

    stride, dilation, downsample, style, with_cp, conv_cfg, norm_cfg, dcn, plugins and init_cfg are those of
    :class:`~cnn_backbones.Bottleneck`.

    Args:
        inplanes: Input channels.
        planes: Base channels; the output has ``planes * 4`` channels.
        scales: Number of slices, at least 2.
        base_width: Channels of a slice at ``base_channels``.
        base_channels: The ``planes`` at which a slice has ``base_width`` channels.

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
        stride: int = 1,
        dilation: int = 1,
        downsample: nn.Module | None = None,
        style: str = "pytorch",
        with_cp: bool = False,
        conv_cfg: dict | None = None,
        norm_cfg: dict | None = None,
        dcn: dict | None = None,
        plugins: list[dict] | None = None,
        init_cfg: dict | list[dict] | None = None,
    ) -> None:
        # Bottleneck.__init__ would build a conv2 that this block replaces, so only the base is initialised.
        BaseModule.__init__(self, init_cfg)
        self.style = check_style(style)
        if not isinstance(scales, int) or scales < 2:
            raise ValueError(f"scales={scales!r}: expected an int >= 2 (scales=1 is a plain ResNet bottleneck)")
        check_dcn(dcn, conv_cfg)
        check_plugins(plugins)
        norm_cfg = dict(type="BN") if norm_cfg is None else norm_cfg
        self.inplanes = inplanes
        self.planes = planes
        self.stride = stride
        self.dilation = dilation
        self.with_cp = with_cp
        self.with_dcn = dcn is not None
        self.with_plugins = bool(plugins)
        self.conv1_stride, self.conv2_stride = (1, stride) if style == "pytorch" else (stride, 1)
        self.scales = scales
        self.width = width = planes * base_width // base_channels
        self.stage_type = "stage" if downsample is not None else "normal"

        self.conv1 = build_conv_layer(
            conv_cfg, inplanes, width * scales, kernel_size=1, stride=self.conv1_stride, bias=False
        )
        self.norm1_name, norm1 = build_norm_layer(norm_cfg, width * scales, postfix=1)
        self.add_module(self.norm1_name, norm1)
        if self.stage_type == "stage" and self.conv2_stride != 1:
            self.pool = nn.AvgPool2d(kernel_size=3, stride=self.conv2_stride, padding=1)
        conv2_cfg = self.conv2_cfg(conv_cfg, dcn)
        self.convs = nn.ModuleList(
            build_conv_layer(
                conv2_cfg,
                width,
                width,
                kernel_size=3,
                stride=self.conv2_stride,
                padding=dilation,
                dilation=dilation,
                bias=False,
            )
            for _ in range(scales - 1)
        )
        self.bns = nn.ModuleList(build_norm_layer(norm_cfg, width, postfix=i + 1)[1] for i in range(scales - 1))
        self.conv3 = build_conv_layer(conv_cfg, width * scales, planes * self.expansion, kernel_size=1, bias=False)
        self.norm3_name, norm3 = build_norm_layer(norm_cfg, planes * self.expansion, postfix=3)
        self.add_module(self.norm3_name, norm3)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

        self.after_conv1_plugin_names = self.make_block_plugins(width * scales, plugins, "after_conv1")
        self.after_conv2_plugin_names = self.make_block_plugins(width * scales, plugins, "after_conv2")
        self.after_conv3_plugin_names = self.make_block_plugins(planes * self.expansion, plugins, "after_conv3")

    @property
    def norm2(self) -> nn.Module:
        """Res2Net blocks have one norm per slice in ``bns`` instead of a ``norm2``."""
        raise AttributeError("Bottle2neck has no norm2; its 3x3 convs are normalised by self.bns")

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        """The block before the final ReLU: ``f(x) + shortcut(x)``."""
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.norm1(self.conv1(x)))
        out = self.forward_plugin(out, self.after_conv1_plugin_names)
        slices = torch.split(out, self.width, dim=1)
        outs = []
        sp = slices[0]
        for i, (conv, bn) in enumerate(zip(self.convs, self.bns, strict=True)):
            if i > 0:
                sp = slices[i] if self.stage_type == "stage" else sp + slices[i]
            sp = self.relu(bn(conv(sp.contiguous())))
            outs.append(sp)
        last = slices[-1]
        if self.stage_type == "stage" and self.conv2_stride != 1:
            last = self.pool(last)
        outs.append(last)
        out = torch.cat(outs, dim=1)
        out = self.forward_plugin(out, self.after_conv2_plugin_names)
        out = self.norm3(self.conv3(out))
        out = self.forward_plugin(out, self.after_conv3_plugin_names)
        out += identity
        return out


@BACKBONES.register_module()
class Res2Net(ResNet):
    """Res2Net backbone (v1d: deep stem, average-pool shortcuts, pytorch style).

    Args:
        depth: 50, 101 or 152.
        scales: Slices per bottleneck.
        base_width: Channels of a slice in the first stage (26 in ``res2net101_v1d_26w_4s``).
        **kwargs: Any other :class:`ResNet` argument except ``style``, ``deep_stem`` and ``avg_down``,
            which are fixed to ``'pytorch'``, ``True`` and ``True``.

    Example:
        >>> import torch
        >>> model = Res2Net(depth=50, scales=4, base_width=26).eval()
        >>> [tuple(f.shape) for f in model(torch.rand(1, 3, 32, 32))]
        [(1, 256, 8, 8), (1, 512, 4, 4), (1, 1024, 2, 2), (1, 2048, 1, 1)]
    """

    arch_settings: ClassVar[dict[int, tuple[type[nn.Module], tuple[int, ...]]]] = {
        50: (Bottle2neck, (3, 4, 6, 3)),
        101: (Bottle2neck, (3, 4, 23, 3)),
        152: (Bottle2neck, (3, 8, 36, 3)),
    }

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
        fixed = dict(style=(style, "pytorch"), deep_stem=(deep_stem, True), avg_down=(avg_down, True))
        for name, (given, expected) in fixed.items():
            if given != expected:
                raise ValueError(f"{name}={given!r}: Res2Net (v1d) is built with {name}={expected!r}")
        self.scales = scales
        self.base_width = base_width
        super().__init__(depth, style="pytorch", deep_stem=True, avg_down=True, **kwargs)

    def make_res_layer(self, **kwargs: Any) -> nn.Module:
        """A stage of :class:`Bottle2neck` blocks with average-pool shortcuts."""
        return ResLayer(scales=self.scales, base_width=self.base_width, base_channels=self.base_channels, **kwargs)

"""mmpretrain's defaults and layouts, in the child registry of ``BACKBONES`` with scope ``'mmpretrain'``.

mmdet and mmpretrain build the same networks under the same type names with different defaults
(mmpretrain's ResNet returns only the last stage and lets batch norms train; its ResNeXt is 32
groups wide) and, for the deep stem and the ResNet-D shortcut, different module trees. One set
of defaults cannot serve both, so the plain registry keeps mmdet's and this scope holds
mmpretrain's. A config picks it with a prefixed type or a default scope:

>>> from cnn_backbones import BACKBONES
>>> from cnn_registry import default_scope
>>> BACKBONES.build(dict(type='mmpretrain.ResNet', depth=18)).out_indices
(3,)
>>> with default_scope('mmpretrain'):
...     BACKBONES.build(dict(type='ResNeXt', depth=50)).groups
32
>>> BACKBONES.build(dict(type='mmdet.ResNet', depth=18)).out_indices  # mmdet's, as with no scope
(0, 1, 2, 3)

The module's ``ResLayer`` takes mmpretrain's arguments, ``(block, num_blocks, in_channels, out_channels)``
(it is ``cnn_backbones.MMPretrainResLayer``); ``cnn_backbones.ResLayer`` keeps mmdet's. Blocks with
mmpretrain's arguments are ``MMPretrainBasicBlock`` and ``MMPretrainBottleneck``; the networks here are
built from ``BasicBlock`` and ``Bottleneck``, which ``isinstance`` checks should name.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import torch.nn as nn

from cnn_bundles import ConvModule
from cnn_registry import Registry

from . import hrnet, regnet, res2net, res_layer, resnet, resnext, vgg
from .mmpretrain_blocks import MMPretrainResLayer as ResLayer
from .registry import BACKBONES

MMPRETRAIN_BACKBONES = Registry("backbones", parent=BACKBONES, scope="mmpretrain")

__all__ = [
    "MMPRETRAIN_BACKBONES",
    "VGG",
    "HRNet",
    "RegNet",
    "Res2Net",
    "ResLayer",
    "ResNeXt",
    "ResNet",
    "ResNetV1c",
    "ResNetV1d",
]


@MMPRETRAIN_BACKBONES.register_module()
class ResNet(resnet.ResNet):
    """mmpretrain's ResNet: the last stage only, batch norms that train, a 64-channel stem, its layouts.

    Example:
        >>> model = ResNet(depth=50, deep_stem=True)
        >>> model.out_indices, model.norm_eval, type(model.stem[0]).__name__
        ((3,), False, 'ConvModule')
    """

    layout: ClassVar[str] = "mmpretrain"

    def __init__(
        self,
        depth: int,
        stem_channels: int = 64,
        out_indices: Sequence[int] = (3,),
        norm_eval: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(depth, stem_channels=stem_channels, out_indices=out_indices, norm_eval=norm_eval, **kwargs)


@MMPRETRAIN_BACKBONES.register_module()
class ResNetV1c(ResNet):
    """mmpretrain's ResNetV1c: a stem of three ConvModules (``stem.0.conv``, ``stem.0.bn`` ...)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(deep_stem=True, avg_down=False, **kwargs)


@MMPRETRAIN_BACKBONES.register_module()
class ResNetV1d(ResNet):
    """mmpretrain's ResNetV1d: the ConvModule stem, and no average pool in a stride-1 shortcut."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(deep_stem=True, avg_down=True, **kwargs)


@MMPRETRAIN_BACKBONES.register_module()
class ResNeXt(resnext.ResNeXt):
    """mmpretrain's ResNeXt: 32 groups of ``width_per_group=4`` channels by default."""

    layout: ClassVar[str] = "mmpretrain"

    def __init__(
        self,
        depth: int,
        groups: int = 32,
        width_per_group: int = 4,
        stem_channels: int = 64,
        out_indices: Sequence[int] = (3,),
        norm_eval: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            depth,
            groups=groups,
            width_per_group=width_per_group,
            stem_channels=stem_channels,
            out_indices=out_indices,
            norm_eval=norm_eval,
            **kwargs,
        )


@MMPRETRAIN_BACKBONES.register_module()
class Res2Net(res2net.Res2Net):
    """mmpretrain's Res2Net: ConvModule stem, the last stage only, batch norms that train.

    Unlike its ResNet-D, mmpretrain's Res2Net keeps the shortcut's average pool at stride 1, and it
    pools the last slice of every stage's first block, also at stride 1.
    """

    layout: ClassVar[str] = "mmpretrain"
    stage_pool_at_stride_one: ClassVar[bool] = True

    def __init__(
        self,
        depth: int,
        stem_channels: int = 64,
        out_indices: Sequence[int] = (3,),
        norm_eval: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(depth, stem_channels=stem_channels, out_indices=out_indices, norm_eval=norm_eval, **kwargs)

    def make_res_layer(self, **kwargs: Any) -> nn.Module:
        """A stage whose ResNet-D shortcut keeps its pool at stride 1."""
        return res_layer.ResLayer(pool_at_stride_one=True, **kwargs)


@MMPRETRAIN_BACKBONES.register_module()
class RegNet(regnet.RegNet):
    """mmpretrain's RegNet: the last stage only, batch norms that train."""

    layout: ClassVar[str] = "mmpretrain"

    def __init__(
        self, arch: str | dict[str, Any], out_indices: Sequence[int] = (3,), norm_eval: bool = False, **kwargs: Any
    ) -> None:
        kwargs.pop("base_channels", None)  # mmpretrain's RegNet takes it and ignores it, as its configs pass it
        super().__init__(arch, out_indices=out_indices, norm_eval=norm_eval, **kwargs)


@MMPRETRAIN_BACKBONES.register_module()
class HRNet(hrnet.HRNet):
    """mmpretrain's HRNet: ``arch='w32'`` by default, batch norms that train."""

    def __init__(
        self,
        arch: str | None = "w32",
        extra: str | dict[str, dict[str, Any]] | None = None,
        norm_eval: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(extra, arch=None if extra is not None else arch, norm_eval=norm_eval, **kwargs)


@MMPRETRAIN_BACKBONES.register_module()
class VGG(vgg.VGG):
    """mmpretrain's VGG: a ConvModule per conv (``features.N.conv``, ``features.N.bn``), no pool before the classifier.

    ``out_indices`` defaults to the last stage, or to the classifier's output (5) alone with ``num_classes > 0``.

    Example:
        >>> model = VGG(11, norm_cfg=dict(type='BN'))
        >>> model.out_indices, sorted(model.state_dict())[:2]
        ((4,), ['features.0.bn.bias', 'features.0.bn.num_batches_tracked'])
    """

    pool_before_classifier: ClassVar[bool] = False

    def __init__(
        self,
        depth: int,
        num_classes: int = -1,
        out_indices: Sequence[int] | None = None,
        norm_cfg: dict | None = None,
        conv_cfg: dict | None = None,
        act_cfg: dict | None = None,
        norm_eval: bool = False,
        **kwargs: Any,
    ) -> None:
        self.conv_cfg = conv_cfg
        self.act_cfg = dict(type="ReLU") if act_cfg is None else act_cfg
        if out_indices is None:
            out_indices = (5,) if num_classes > 0 else (4,)
        super().__init__(
            depth, num_classes=num_classes, out_indices=out_indices, norm_cfg=norm_cfg, norm_eval=norm_eval, **kwargs
        )

    def make_stage(
        self, inplanes: int, planes: int, num_blocks: int, dilation: int, ceil_mode: bool
    ) -> list[nn.Module]:
        """``num_blocks`` ConvModules (3x3 conv with a bias, [norm], activation), then a 2x2 max-pool."""
        layers: list[nn.Module] = []
        for _ in range(num_blocks):
            layers.append(
                ConvModule(
                    inplanes,
                    planes,
                    3,
                    padding=dilation,
                    dilation=dilation,
                    bias=True,
                    conv_cfg=self.conv_cfg,
                    norm_cfg=self.vgg_norm_cfg,
                    act_cfg=self.act_cfg,
                )
            )
            inplanes = planes
        layers.append(nn.MaxPool2d(kernel_size=2, stride=2, ceil_mode=ceil_mode))
        return layers

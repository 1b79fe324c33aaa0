"""ResNet (He et al., 2016) with the OpenMMLab arguments and torchvision's state-dict keys.

The file reads top to bottom: the backbone that stacks residual blocks (residual_blocks.py) into
stages, then its ResNet-C and ResNet-D variants. With ``style='pytorch'`` (the default) the stride
sits on the 3x3 conv, as in torchvision, so ``torchvision://resnet50`` loads once its classifier
keys (``fc.weight``, ``fc.bias``) are dropped, which ``init_cfg=dict(type='Pretrained', ...)``
does by loading non-strictly; ``style='caffe'`` puts it on the first 1x1 conv, as in the
MSRA/Detectron weights (``open-mmlab://detectron2/resnet50_caffe``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import torch
import torch.nn as nn

from cnn_bundles import ConvModule
from cnn_layers import build_conv_layer, build_norm_layer

from .base import BaseBackbone
from .layout_keys import remap_layout_keys
from .registry import BACKBONES
from .res_layer import ResLayer
from .residual_blocks import (
    BasicBlock,
    Bottleneck,
    check_dcn,
    check_plugins,
    check_style,
    get_expansion,
    zero_init_last_norms,
)

__all__ = ["BasicBlock", "Bottleneck", "ResNet", "ResNetV1c", "ResNetV1d", "StageSpec"]


@dataclass(frozen=True)
class StageSpec:
    """What one stage of a ResNet-like backbone is made of.

    Attributes:
        planes: Base channels of its blocks (the output has ``planes * block.expansion``).
        num_blocks: Number of blocks.
        block_args: Extra arguments of every block (e.g. ResNeXt's ``groups``).
    """

    planes: int
    num_blocks: int
    block_args: Mapping[str, Any] = field(default_factory=dict)


@BACKBONES.register_module()
class ResNet(BaseBackbone):
    """ResNet backbone returning the feature maps of the stages in ``out_indices``.

    Args:
        depth: 18, 34 (``BasicBlock``), 50, 101 or 152 (``Bottleneck``).
        in_channels: Input image channels.
        stem_channels: Stem output channels; defaults to ``base_channels``.
        base_channels: Channels of the first stage's blocks; stage ``i`` has ``base_channels * 2**i``.
        num_stages: Number of stages, 1 to 4.
        strides: Stride of the first block of each stage.
        dilations: Dilation of each stage.
        out_indices: Stages whose outputs are returned (in stage order).
        style: ``'pytorch'`` (stride on the 3x3 conv) or ``'caffe'`` (stride on the first 1x1 conv).
        deep_stem: Replace the 7x7 stem conv by three 3x3 convs (ResNet-C).
        avg_down: Downsample shortcuts with an average pool and a stride-1 conv (ResNet-D).
        frozen_stages: Stages to freeze (no gradients, eval mode, also after ``.train()``); 0 freezes
            the stem only, -1 nothing.
        conv_cfg: Config of the convs (``None`` means ``Conv2d``).
        norm_cfg: Config of the norm layers, e.g. ``dict(type='GN', num_groups=32)``.
        norm_eval: Keep batch-norm layers in eval mode (frozen statistics) during training; True by default,
            as in mmdet and the OpenMMLab ResNet walkthrough (a detector fine-tunes on small batches). Train a
            classifier from scratch with ``norm_eval=False``.
        dcn: Deformable conv config for the 3x3 convs of the stages in ``stage_with_dcn``.
        stage_with_dcn: One boolean per stage.
        plugins: Plugin configs; see ``make_stage_plugins``.
        with_cp: Gradient checkpointing of every block (less memory, more compute).
        zero_init_residual: Zero the last norm layer of every block in ``init_weights``, so each
            block starts as the identity. Only with the default initialisation.
        expansion: Output channels of a block per ``planes``; ``None`` for the block's (4 for Bottleneck);
            2 with ``base_channels=128`` is mmpretrain's wide ResNet-50.
        drop_path_rate: Stochastic depth, rising linearly from 0 at the first block to this at the last
            (mmpretrain's RSB recipes).
        contract_dilation: Halve the dilation of a dilated stage's first block (mmseg's ResNetV1c).
        multi_grid: Dilations of the last stage's blocks, one per block (mmseg's DeepLab configs).
        pretrained: A checkpoint to load in ``init_weights``, e.g. ``'torchvision://resnet50'``;
            shorthand for ``init_cfg=dict(type='Pretrained', checkpoint=pretrained)``.
        init_cfg: Initialisation config.

    Attributes:
        out_channels: Channels of each returned feature map.
        out_strides: Stride (input size / feature size) of each returned feature map.

    Example:
        >>> import torch
        >>> model = ResNet(depth=18).eval()
        >>> [tuple(f.shape) for f in model(torch.rand(1, 3, 32, 32))]
        [(1, 64, 8, 8), (1, 128, 4, 4), (1, 256, 2, 2), (1, 512, 1, 1)]
        >>> model.out_channels, model.out_strides
        ((64, 128, 256, 512), (4, 8, 16, 32))
    """

    layout: ClassVar[str] = "mmdet"
    """Module tree of the deep stem and the ResNet-D shortcut: ``'mmdet'`` or ``'mmpretrain'``."""
    arch_settings: ClassVar[Mapping[Any, Any]] = {
        18: (BasicBlock, (2, 2, 2, 2)),
        34: (BasicBlock, (3, 4, 6, 3)),
        50: (Bottleneck, (3, 4, 6, 3)),
        101: (Bottleneck, (3, 4, 23, 3)),
        152: (Bottleneck, (3, 8, 36, 3)),
    }

    def __init__(
        self,
        depth: int,
        in_channels: int = 3,
        stem_channels: int | None = None,
        base_channels: int = 64,
        num_stages: int = 4,
        strides: Sequence[int] = (1, 2, 2, 2),
        dilations: Sequence[int] = (1, 1, 1, 1),
        out_indices: Sequence[int] = (0, 1, 2, 3),
        style: str = "pytorch",
        deep_stem: bool = False,
        avg_down: bool = False,
        frozen_stages: int = -1,
        conv_cfg: dict | None = None,
        norm_cfg: dict | None = None,
        norm_eval: bool = True,
        dcn: dict | None = None,
        stage_with_dcn: Sequence[bool] = (False, False, False, False),
        plugins: list[dict] | None = None,
        with_cp: bool = False,
        zero_init_residual: bool = True,
        pretrained: str | None = None,
        init_cfg: dict | list[dict] | None = None,
        expansion: int | None = None,
        drop_path_rate: float = 0.0,
        contract_dilation: bool = False,
        multi_grid: Sequence[int] | None = None,
    ) -> None:
        super().__init__(
            out_indices=out_indices,
            frozen_stages=frozen_stages,
            norm_eval=norm_eval,
            pretrained=pretrained,
            init_cfg=init_cfg,
        )
        self.depth = depth
        self.base_channels = base_channels
        self.block, specs = self.stage_specs(depth)
        if not isinstance(num_stages, int) or not 1 <= num_stages <= len(specs):
            raise ValueError(f"num_stages={num_stages!r}: expected an int in [1, {len(specs)}]")
        if len(strides) != num_stages or len(dilations) != num_stages:
            raise ValueError(
                f"strides={tuple(strides)!r}, dilations={tuple(dilations)!r}: expected {num_stages} values each"
            )
        if frozen_stages > num_stages:
            raise ValueError(f"frozen_stages={frozen_stages!r}: expected an int in [-1, {num_stages}]")
        check_dcn(dcn)
        if dcn is not None and len(stage_with_dcn) != num_stages:
            raise ValueError(f"stage_with_dcn={tuple(stage_with_dcn)!r}: expected {num_stages} booleans")
        check_plugins(plugins, num_stages)
        self.stem_channels = base_channels if stem_channels is None else stem_channels
        self.num_stages = num_stages
        self.strides = tuple(strides)
        self.dilations = tuple(dilations)
        self.style = check_style(style)
        self.deep_stem = deep_stem
        self.avg_down = avg_down
        self.conv_cfg = conv_cfg
        self.norm_cfg = dict(type="BN", requires_grad=True) if norm_cfg is None else norm_cfg
        self.with_cp = with_cp
        self.zero_init_residual = zero_init_residual and init_cfg is None and pretrained is None
        self.stage_blocks = tuple(spec.num_blocks for spec in specs[:num_stages])
        self.expansion = get_expansion(self.block, expansion)
        if not isinstance(drop_path_rate, (int, float)) or not 0 <= drop_path_rate < 1:
            raise ValueError(f"drop_path_rate={drop_path_rate!r}: expected a probability in [0, 1)")
        total = sum(self.stage_blocks)
        rates = [drop_path_rate * i / max(total - 1, 1) for i in range(total)]  # linear in depth, as mmpretrain

        self.make_stem(in_channels, self.stem_channels)
        self.inplanes = self.stem_channels
        self.res_layers: list[str] = []
        stage_channels, stage_strides, stride = [], [], self.stem_stride
        for i, spec in enumerate(specs[:num_stages]):
            res_layer = self.make_res_layer(
                block=self.block,
                inplanes=self.inplanes,
                planes=spec.planes,
                num_blocks=spec.num_blocks,
                stride=self.strides[i],
                dilation=self.dilations[i],
                style=style,
                avg_down=avg_down,
                with_cp=with_cp,
                conv_cfg=conv_cfg,
                norm_cfg=self.norm_cfg,
                dcn=dcn if stage_with_dcn[i] else None,
                plugins=self.make_stage_plugins(plugins, i) if plugins else None,
                **self.optional_block_args(expansion, rates[: spec.num_blocks]),
                **self.optional_dilation_args(contract_dilation, multi_grid if i == num_stages - 1 else None),
                **spec.block_args,
            )
            rates = rates[spec.num_blocks :]
            self.inplanes = spec.planes * self.expansion
            layer_name = f"layer{i + 1}"
            self.add_module(layer_name, res_layer)
            self.res_layers.append(layer_name)
            stride *= self.strides[i]
            stage_channels.append(self.inplanes)
            stage_strides.append(stride)
        self.feat_dim = self.inplanes
        self.set_stages(stage_channels, stage_strides)
        self._register_load_state_dict_pre_hook(remap_layout_keys, with_module=True)  # public only from torch 2.5

    def stage_specs(self, depth: int) -> tuple[type[BasicBlock] | type[Bottleneck], list[StageSpec]]:
        """The block class and the stages for ``depth``; subclasses that derive their stages otherwise override this.

        Stage ``i`` has ``base_channels * 2**i`` planes.

        Example:
            >>> ResNet(18).stage_specs(34)[1][2]
            StageSpec(planes=256, num_blocks=6, block_args={})
        """
        if depth not in self.arch_settings:
            raise ValueError(f"depth={depth!r}: expected one of {sorted(self.arch_settings)}")
        block, stage_blocks = self.arch_settings[depth]
        return block, [StageSpec(self.base_channels * 2**i, n) for i, n in enumerate(stage_blocks)]

    @staticmethod
    def optional_block_args(expansion: int | None, rates: list[float]) -> dict[str, Any]:
        """``expansion`` and ``drop_path_rate`` for ``ResLayer``, only when they are set (blocks of other
        backbones need not take them)."""
        args: dict[str, Any] = {}
        if expansion is not None:
            args["expansion"] = expansion
        if any(rates):
            args["drop_path_rate"] = rates
        return args

    @staticmethod
    def optional_dilation_args(contract_dilation: bool, multi_grid: Sequence[int] | None) -> dict[str, Any]:
        """mmseg's ``contract_dilation`` and (for the last stage) ``multi_grid`` for ``ResLayer``, when set."""
        args: dict[str, Any] = {}
        if contract_dilation:
            args["contract_dilation"] = True
        if multi_grid is not None:
            args["multi_grid"] = tuple(multi_grid)
        return args

    def make_res_layer(self, **kwargs: Any) -> nn.Module:
        """Build one stage from ``ResLayer``'s arguments (mmdet's hook for a custom stage)."""
        return ResLayer(pool_at_stride_one=self.layout != "mmpretrain", **kwargs)

    def make_stage_plugins(self, plugins: list[dict], stage_idx: int) -> list[dict]:
        """The plugins of stage ``stage_idx``: those without ``stages`` or whose ``stages[stage_idx]`` is true.

        Each plugin is ``dict(cfg=dict(type=..., postfix=...), position=..., stages=(...))``; give
        plugins of one type different ``postfix`` values. The ``plugins`` list is not modified.

        Example:
            >>> plugins = [dict(cfg=dict(type='ContextBlock', ratio=1 / 16), stages=(False, True, True, True),
            ...                 position='after_conv3')]
            >>> ResNet(50, plugins=None).make_stage_plugins(plugins, 0)
            []
        """
        stage_plugins = []
        for plugin in plugins:
            plugin = dict(plugin)
            stages = plugin.pop("stages", None)
            if stages is None or stages[stage_idx]:
                stage_plugins.append(plugin)
        return stage_plugins

    def make_stem_layer(self, in_channels: int, stem_channels: int) -> None:
        """A 7x7 stride-2 conv, norm, ReLU (or, with ``deep_stem``, three 3x3 convs in ``stem``), then a max-pool."""
        if self.deep_stem:
            self.stem = self.make_deep_stem(in_channels, stem_channels)
        else:
            self.conv1 = build_conv_layer(
                self.conv_cfg, in_channels, stem_channels, kernel_size=7, stride=2, padding=3, bias=False
            )
            self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, stem_channels, postfix=1)
            self.add_module(self.norm1_name, norm1)
            self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

    def make_deep_stem(self, in_channels: int, stem_channels: int) -> nn.Sequential:
        """ResNet-C's stem: three 3x3 convs (the first with stride 2), each with a norm and a ReLU.

        In mmdet's layout a flat Sequential (``stem.0`` conv, ``stem.1`` norm, ``stem.3`` conv ...);
        in mmpretrain's (``layout = 'mmpretrain'``) three ConvModules (``stem.0.conv``, ``stem.0.bn`` ...).
        Checkpoints of either layout load into both (``layout_keys.remap_layout_keys``).
        """
        half = stem_channels // 2
        convs = [(in_channels, half, 2), (half, half, 1), (half, stem_channels, 1)]
        if self.layout == "mmpretrain":
            return nn.Sequential(
                *(
                    ConvModule(cin, cout, 3, stride=stride, padding=1, conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg)
                    for cin, cout, stride in convs
                )
            )
        layers: list[nn.Module] = []
        for cin, cout, stride in convs:
            conv = build_conv_layer(self.conv_cfg, cin, cout, kernel_size=3, stride=stride, padding=1, bias=False)
            layers.append(conv)
            layers.append(build_norm_layer(self.norm_cfg, cout)[1])
            layers.append(nn.ReLU(inplace=True))
        return nn.Sequential(*layers)

    @property
    def norm1(self) -> nn.Module:
        """The norm layer of the 7x7 stem (absent with ``deep_stem``)."""
        return getattr(self, self.norm1_name)

    def stage_modules(self, index: int) -> list[nn.Module]:
        """Stage ``index`` is ``layer{index + 1}``."""
        return [getattr(self, self.res_layers[index])]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Return the feature maps of the stages in ``out_indices``."""
        x = self.forward_stem(x)
        outs = []
        for i, layer_name in enumerate(self.res_layers):
            x = getattr(self, layer_name)(x)
            if i in self.out_indices:
                outs.append(x)
        return tuple(outs)

    def init_weights(self) -> None:
        """Apply ``init_cfg``, then zero the last norm of every block if ``zero_init_residual``."""
        super().init_weights()
        if self.zero_init_residual:
            zero_init_last_norms(self)


@BACKBONES.register_module()
class ResNetV1c(ResNet):
    """ResNet-C: ``ResNet`` with the three-3x3-conv stem (``deep_stem=True``).

    Example:
        >>> ResNetV1c(depth=50).stem[0]
        Conv2d(3, 32, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(deep_stem=True, avg_down=False, **kwargs)


@BACKBONES.register_module()
class ResNetV1d(ResNet):
    """ResNet-D (Bag of Tricks): deep stem and average-pool shortcuts (``deep_stem=True, avg_down=True``).

    Example:
        >>> ResNetV1d(depth=50).layer2[0].downsample[0]
        AvgPool2d(kernel_size=2, stride=2, padding=0)
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(deep_stem=True, avg_down=True, **kwargs)

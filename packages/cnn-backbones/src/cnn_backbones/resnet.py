"""ResNet (He et al., 2016) with the OpenMMLab arguments and torchvision's state-dict keys.

The network reads top to bottom: two blocks, then the backbone that stacks them into stages.
With ``style='pytorch'`` (the default) the stride sits on the 3x3 conv, as in torchvision, so
``torchvision://resnet50`` loads with ``strict=True``; ``style='caffe'`` puts it on the first
1x1 conv, as in the MSRA/Detectron weights (``open-mmlab://detectron2/resnet50_caffe``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm

from cnn_init import BaseModule, constant_init
from cnn_layers import build_conv_layer, build_norm_layer, build_plugin_layer

from .checkpoint import checkpoint_block
from .registry import BACKBONES
from .res_layer import ResLayer

PLUGIN_POSITIONS = ("after_conv1", "after_conv2", "after_conv3")


def check_style(style: str) -> str:
    """Return ``style`` if it is ``'pytorch'`` or ``'caffe'``, else raise ``ValueError``.

    Example:
        >>> check_style('caffe')
        'caffe'
    """
    if style not in ("pytorch", "caffe"):
        raise ValueError(f"style={style!r}: expected 'pytorch' or 'caffe'")
    return style


class BasicBlock(BaseModule):
    """Two 3x3 convs with an identity shortcut (ResNet-18/34).

    Args:
        inplanes: Input channels.
        planes: Output channels (``expansion`` is 1).
        stride: Stride of the first conv.
        dilation: Dilation (and padding) of the first conv.
        downsample: Projection applied to the shortcut when shapes change.
        style: Accepted for symmetry with :class:`Bottleneck`; both convs are 3x3 so it changes nothing.
        with_cp: Recompute the block in the backward pass instead of storing its activations.
        conv_cfg: Config of the convs (``None`` means ``Conv2d``).
        norm_cfg: Config of the norm layers.
        dcn: Must be ``None``: deformable convs are only placed in :class:`Bottleneck`.
        plugins: Must be ``None``: plugins are only placed in :class:`Bottleneck`.
        init_cfg: Initialisation config.

    Example:
        >>> import torch
        >>> block = BasicBlock(64, 64)
        >>> block(torch.rand(1, 64, 8, 8)).shape
        torch.Size([1, 64, 8, 8])
    """

    expansion: ClassVar[int] = 1

    def __init__(
        self,
        inplanes: int,
        planes: int,
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
        super().__init__(init_cfg)
        check_style(style)
        if dcn is not None:
            raise ValueError(f"dcn={dcn!r}: BasicBlock has no place for a deformable conv; use depth >= 50")
        if plugins is not None:
            raise ValueError(f"plugins={plugins!r}: BasicBlock takes no plugins; use depth >= 50")
        norm_cfg = dict(type="BN") if norm_cfg is None else norm_cfg
        self.norm1_name, norm1 = build_norm_layer(norm_cfg, planes, postfix=1)
        self.norm2_name, norm2 = build_norm_layer(norm_cfg, planes, postfix=2)
        self.conv1 = build_conv_layer(
            conv_cfg, inplanes, planes, 3, stride=stride, padding=dilation, dilation=dilation, bias=False
        )
        self.add_module(self.norm1_name, norm1)
        self.conv2 = build_conv_layer(conv_cfg, planes, planes, 3, padding=1, bias=False)
        self.add_module(self.norm2_name, norm2)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride
        self.dilation = dilation
        self.with_cp = with_cp

    @property
    def norm1(self) -> nn.Module:
        """The norm layer after ``conv1``."""
        return getattr(self, self.norm1_name)

    @property
    def norm2(self) -> nn.Module:
        """The norm layer after ``conv2``: the one ``zero_init_residual`` zeroes."""
        return getattr(self, self.norm2_name)

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        """The block before the final ReLU: ``f(x) + shortcut(x)``."""
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.norm1(self.conv1(x)))
        out = self.norm2(self.conv2(out))
        out += identity
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block, recomputing it in backward when ``with_cp`` is set and gradients flow."""
        out = checkpoint_block(self, self.residual, x) if self.with_cp and x.requires_grad else self.residual(x)
        return self.relu(out)


class Bottleneck(BaseModule):
    """1x1 reduce, 3x3 (optionally grouped, dilated or deformable), 1x1 expand (ResNet-50/101/152, ResNeXt).

    Args:
        inplanes: Input channels.
        planes: Base channels; the output has ``planes * expansion`` channels.
        stride: Stride of the block, on the 3x3 conv (``'pytorch'``) or on the first 1x1 conv (``'caffe'``).
        dilation: Dilation (and padding) of the 3x3 conv.
        downsample: Projection applied to the shortcut when shapes change.
        style: ``'pytorch'`` or ``'caffe'``.
        with_cp: Recompute the block in the backward pass instead of storing its activations.
        conv_cfg: Config of the convs (``None`` means ``Conv2d``).
        norm_cfg: Config of the norm layers.
        dcn: Config of a deformable 3x3 conv, e.g. ``dict(type='DCN', deform_groups=1)``. The key
            ``fallback_on_stride=True`` keeps a plain conv where the stride is not 1. Never mutated.
        plugins: Plugin configs, each ``dict(cfg=dict(type=...), position='after_conv1'|'after_conv2'|'after_conv3')``;
            plugins at one position run one after the other.
        groups: Groups of the 3x3 conv (ResNeXt's cardinality); 1 for ResNet.
        base_width: Channels per group at ``base_channels`` (ResNeXt's "d"); used when ``groups > 1``.
        base_channels: The ``planes`` at which a group has ``base_width`` channels.
        init_cfg: Initialisation config.

    Example:
        >>> import torch
        >>> block = Bottleneck(64, 64, downsample=nn.Conv2d(64, 256, 1))
        >>> block(torch.rand(1, 64, 8, 8)).shape
        torch.Size([1, 256, 8, 8])
        >>> Bottleneck(256, 128, groups=32, base_width=4).conv2.groups
        32
    """

    expansion: ClassVar[int] = 4

    def __init__(
        self,
        inplanes: int,
        planes: int,
        stride: int = 1,
        dilation: int = 1,
        downsample: nn.Module | None = None,
        style: str = "pytorch",
        with_cp: bool = False,
        conv_cfg: dict | None = None,
        norm_cfg: dict | None = None,
        dcn: dict | None = None,
        plugins: list[dict] | None = None,
        groups: int = 1,
        base_width: int = 4,
        base_channels: int = 64,
        init_cfg: dict | list[dict] | None = None,
    ) -> None:
        super().__init__(init_cfg)
        self.style = check_style(style)
        check_dcn(dcn, conv_cfg)
        check_plugins(plugins)
        norm_cfg = dict(type="BN") if norm_cfg is None else norm_cfg
        self.inplanes = inplanes
        self.planes = planes
        self.stride = stride
        self.dilation = dilation
        self.with_cp = with_cp
        self.conv_cfg = conv_cfg
        self.norm_cfg = norm_cfg
        self.with_dcn = dcn is not None
        self.with_plugins = bool(plugins)
        self.conv1_stride, self.conv2_stride = (1, stride) if style == "pytorch" else (stride, 1)
        width = planes if groups == 1 else (planes * base_width // base_channels) * groups
        self.width = width

        self.conv1 = build_conv_layer(conv_cfg, inplanes, width, kernel_size=1, stride=self.conv1_stride, bias=False)
        self.norm1_name, norm1 = build_norm_layer(norm_cfg, width, postfix=1)
        self.add_module(self.norm1_name, norm1)
        self.conv2 = build_conv_layer(
            self.conv2_cfg(conv_cfg, dcn),
            width,
            width,
            kernel_size=3,
            stride=self.conv2_stride,
            padding=dilation,
            dilation=dilation,
            groups=groups,
            bias=False,
        )
        self.norm2_name, norm2 = build_norm_layer(norm_cfg, width, postfix=2)
        self.add_module(self.norm2_name, norm2)
        self.conv3 = build_conv_layer(conv_cfg, width, planes * self.expansion, kernel_size=1, bias=False)
        self.norm3_name, norm3 = build_norm_layer(norm_cfg, planes * self.expansion, postfix=3)
        self.add_module(self.norm3_name, norm3)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

        self.after_conv1_plugin_names = self.make_block_plugins(width, plugins, "after_conv1")
        self.after_conv2_plugin_names = self.make_block_plugins(width, plugins, "after_conv2")
        self.after_conv3_plugin_names = self.make_block_plugins(planes * self.expansion, plugins, "after_conv3")

    def conv2_cfg(self, conv_cfg: dict | None, dcn: dict | None) -> dict | None:
        """The config of the 3x3 conv: ``dcn`` without its ``fallback_on_stride`` key, or ``conv_cfg``."""
        if dcn is None:
            return conv_cfg
        dcn = dict(dcn)
        fallback_on_stride = dcn.pop("fallback_on_stride", False)
        if fallback_on_stride and self.conv2_stride != 1:
            return conv_cfg
        return dcn

    def make_block_plugins(self, in_channels: int, plugins: list[dict] | None, position: str) -> list[str]:
        """Build and register the plugins at ``position``; return their attribute names in order."""
        names = []
        for plugin in plugins or ():
            if plugin["position"] != position:
                continue
            cfg = dict(plugin["cfg"])
            postfix = cfg.pop("postfix", "")
            name, layer = build_plugin_layer(cfg, in_channels=in_channels, postfix=postfix)
            if hasattr(self, name):
                raise ValueError(f"plugins: two plugins are named {name!r}; give them different 'postfix' values")
            self.add_module(name, layer)
            names.append(name)
        return names

    def forward_plugin(self, x: torch.Tensor, plugin_names: list[str]) -> torch.Tensor:
        """Run the named plugins in sequence, each on the previous one's output."""
        for name in plugin_names:
            x = getattr(self, name)(x)
        return x

    @property
    def norm1(self) -> nn.Module:
        """The norm layer after ``conv1``."""
        return getattr(self, self.norm1_name)

    @property
    def norm2(self) -> nn.Module:
        """The norm layer after ``conv2``."""
        return getattr(self, self.norm2_name)

    @property
    def norm3(self) -> nn.Module:
        """The norm layer after ``conv3``: the one ``zero_init_residual`` zeroes."""
        return getattr(self, self.norm3_name)

    def residual(self, x: torch.Tensor) -> torch.Tensor:
        """The block before the final ReLU: ``f(x) + shortcut(x)``."""
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.norm1(self.conv1(x)))
        out = self.forward_plugin(out, self.after_conv1_plugin_names)
        out = self.relu(self.norm2(self.conv2(out)))
        out = self.forward_plugin(out, self.after_conv2_plugin_names)
        out = self.norm3(self.conv3(out))
        out = self.forward_plugin(out, self.after_conv3_plugin_names)
        out += identity
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block, recomputing it in backward when ``with_cp`` is set and gradients flow."""
        out = checkpoint_block(self, self.residual, x) if self.with_cp and x.requires_grad else self.residual(x)
        return self.relu(out)


def check_dcn(dcn: dict | None, conv_cfg: dict | None = None) -> None:
    """Raise unless ``dcn`` is ``None`` or a config dict that does not clash with ``conv_cfg``."""
    if dcn is None:
        return
    if not isinstance(dcn, dict):
        raise TypeError(f"dcn={dcn!r}: expected a config dict such as dict(type='DCN') or None")
    if conv_cfg is not None:
        raise ValueError(f"dcn={dcn!r} with conv_cfg={conv_cfg!r}: a deformable conv needs conv_cfg=None")


def check_plugins(plugins: list[dict] | None, num_stages: int | None = None) -> None:
    """Raise ``TypeError``/``ValueError`` unless ``plugins`` is ``None`` or a list of valid plugin dicts.

    Example:
        >>> check_plugins([dict(cfg=dict(type='ContextBlock', ratio=1 / 16), position='after_conv3')])
        >>> check_plugins([dict(cfg=dict(type='X'), position='after_conv4')])
        Traceback (most recent call last):
        ...
        ValueError: plugins[0]['position']='after_conv4': expected one of ('after_conv1', 'after_conv2', 'after_conv3')
    """
    if plugins is None:
        return
    if not isinstance(plugins, (list, tuple)):
        raise TypeError(f"plugins={plugins!r}: expected a list of dicts with keys 'cfg' and 'position'")
    for i, plugin in enumerate(plugins):
        if not isinstance(plugin, dict) or not isinstance(plugin.get("cfg"), dict):
            raise TypeError(f"plugins[{i}]={plugin!r}: expected a dict with a 'cfg' dict and a 'position'")
        if plugin.get("position") not in PLUGIN_POSITIONS:
            raise ValueError(f"plugins[{i}]['position']={plugin.get('position')!r}: expected one of {PLUGIN_POSITIONS}")
        stages = plugin.get("stages")
        if num_stages is not None and stages is not None and len(stages) != num_stages:
            raise ValueError(f"plugins[{i}]['stages']={stages!r}: expected {num_stages} booleans, one per stage")


def check_out_indices(out_indices: Sequence[int], num_stages: int) -> tuple[int, ...]:
    """Return ``out_indices`` as a sorted tuple after checking every index names a stage.

    Backbones return their features in stage order, whatever the order of ``out_indices``.

    Example:
        >>> check_out_indices([3, 1], 4)
        (1, 3)
        >>> check_out_indices((0, 4), 4)
        Traceback (most recent call last):
        ...
        ValueError: out_indices=(0, 4): expected distinct stage indices in [0, 3]
    """
    if isinstance(out_indices, int) or not all(isinstance(i, int) for i in out_indices):
        raise TypeError(f"out_indices={out_indices!r}: expected a sequence of ints")
    out = tuple(out_indices)
    if not out or len(set(out)) != len(out) or not all(0 <= i < num_stages for i in out):
        raise ValueError(f"out_indices={out_indices!r}: expected distinct stage indices in [0, {num_stages - 1}]")
    return tuple(sorted(out))


def default_init_cfg(init_cfg: Any, pretrained: Any) -> dict | list[dict]:
    """The ``init_cfg`` a backbone uses: the caller's, a ``Pretrained`` one for ``pretrained``, or Kaiming/ones.

    Example:
        >>> default_init_cfg(None, 'torchvision://resnet50')
        {'type': 'Pretrained', 'checkpoint': 'torchvision://resnet50'}
    """
    if init_cfg is not None and pretrained is not None:
        raise ValueError(f"init_cfg={init_cfg!r} and pretrained={pretrained!r}: give only one of them")
    if pretrained is not None:
        if not isinstance(pretrained, str):
            raise TypeError(f"pretrained={pretrained!r}: expected a checkpoint path or URL (str) or None")
        return dict(type="Pretrained", checkpoint=pretrained)
    if init_cfg is not None:
        return init_cfg
    return [
        dict(type="Kaiming", layer="Conv2d"),
        dict(type="Constant", val=1, layer=["_BatchNorm", "GroupNorm"]),
    ]


def set_norm_eval(module: nn.Module) -> None:
    """Put every batch-norm layer of ``module`` in eval mode so its running statistics stay fixed.

    Example:
        >>> m = nn.Sequential(nn.Conv2d(1, 1, 1), nn.BatchNorm2d(1))
        >>> set_norm_eval(m)
        >>> m.training, m[1].training
        (True, False)
    """
    for m in module.modules():
        if isinstance(m, _BatchNorm):
            m.eval()


def zero_init_last_norms(module: nn.Module) -> None:
    """Zero the last norm of every residual block in ``module``, so each block starts as the identity."""
    for m in module.modules():
        if isinstance(m, Bottleneck):
            constant_init(m.norm3, 0)
        elif isinstance(m, BasicBlock):
            constant_init(m.norm2, 0)


def freeze(module: nn.Module) -> None:
    """Stop gradients to ``module`` and put it in eval mode.

    Example:
        >>> m = nn.BatchNorm2d(2)
        >>> freeze(m)
        >>> m.training, m.weight.requires_grad
        (False, False)
    """
    module.eval()
    for param in module.parameters():
        param.requires_grad = False


@BACKBONES.register_module()
class ResNet(BaseModule):
    """ResNet backbone returning the feature maps of the stages in ``out_indices``.

    Args:
        depth: 18, 34 (:class:`BasicBlock`), 50, 101 or 152 (:class:`Bottleneck`).
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
        norm_eval: Keep batch-norm layers in eval mode (frozen statistics) during training.
        dcn: Deformable conv config for the 3x3 convs of the stages in ``stage_with_dcn``.
        stage_with_dcn: One boolean per stage.
        plugins: Plugin configs; see :meth:`make_stage_plugins`.
        with_cp: Gradient checkpointing of every block (less memory, more compute).
        zero_init_residual: Zero the last norm layer of every block in :meth:`init_weights`, so each
            block starts as the identity. Only with the default initialisation.
        pretrained: A checkpoint to load in :meth:`init_weights`, e.g. ``'torchvision://resnet50'``;
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

    arch_settings: ClassVar[dict[int, tuple[type[nn.Module], tuple[int, ...]]]] = {
        18: (BasicBlock, (2, 2, 2, 2)),
        34: (BasicBlock, (3, 4, 6, 3)),
        50: (Bottleneck, (3, 4, 6, 3)),
        101: (Bottleneck, (3, 4, 23, 3)),
        152: (Bottleneck, (3, 8, 36, 3)),
    }
    stem_stride: ClassVar[int] = 4

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
        norm_eval: bool = False,
        dcn: dict | None = None,
        stage_with_dcn: Sequence[bool] = (False, False, False, False),
        plugins: list[dict] | None = None,
        with_cp: bool = False,
        zero_init_residual: bool = True,
        pretrained: str | None = None,
        init_cfg: dict | list[dict] | None = None,
    ) -> None:
        super().__init__(default_init_cfg(init_cfg, pretrained))
        if depth not in self.arch_settings:
            raise ValueError(f"depth={depth!r}: expected one of {sorted(self.arch_settings)}")
        if not isinstance(num_stages, int) or not 1 <= num_stages <= 4:
            raise ValueError(f"num_stages={num_stages!r}: expected an int in [1, 4]")
        if len(strides) != num_stages or len(dilations) != num_stages:
            raise ValueError(
                f"strides={tuple(strides)!r}, dilations={tuple(dilations)!r}: expected {num_stages} values each"
            )
        if not isinstance(frozen_stages, int) or not -1 <= frozen_stages <= num_stages:
            raise ValueError(f"frozen_stages={frozen_stages!r}: expected an int in [-1, {num_stages}]")
        check_dcn(dcn)
        if dcn is not None and len(stage_with_dcn) != num_stages:
            raise ValueError(f"stage_with_dcn={tuple(stage_with_dcn)!r}: expected {num_stages} booleans")
        check_plugins(plugins, num_stages)
        self.depth = depth
        self.stem_channels = base_channels if stem_channels is None else stem_channels
        self.base_channels = base_channels
        self.num_stages = num_stages
        self.strides = tuple(strides)
        self.dilations = tuple(dilations)
        self.out_indices = check_out_indices(out_indices, num_stages)
        self.style = check_style(style)
        self.deep_stem = deep_stem
        self.avg_down = avg_down
        self.frozen_stages = frozen_stages
        self.conv_cfg = conv_cfg
        self.norm_cfg = dict(type="BN", requires_grad=True) if norm_cfg is None else norm_cfg
        self.norm_eval = norm_eval
        self.with_cp = with_cp
        self.zero_init_residual = zero_init_residual and init_cfg is None and pretrained is None
        self.block, stage_blocks = self.arch_settings[depth]
        self.stage_blocks = stage_blocks[:num_stages]

        self._make_stem_layer(in_channels, self.stem_channels)
        self.inplanes = self.stem_channels
        self.res_layers: list[str] = []
        stage_channels, stage_strides, stride = [], [], self.stem_stride
        for i, num_blocks in enumerate(self.stage_blocks):
            planes = base_channels * 2**i
            res_layer = self.make_res_layer(
                block=self.block,
                inplanes=self.inplanes,
                planes=planes,
                num_blocks=num_blocks,
                stride=self.strides[i],
                dilation=self.dilations[i],
                style=style,
                avg_down=avg_down,
                with_cp=with_cp,
                conv_cfg=conv_cfg,
                norm_cfg=self.norm_cfg,
                dcn=dcn if stage_with_dcn[i] else None,
                plugins=self.make_stage_plugins(plugins, i) if plugins else None,
            )
            self.inplanes = planes * self.block.expansion  # type: ignore[attr-defined]
            layer_name = f"layer{i + 1}"
            self.add_module(layer_name, res_layer)
            self.res_layers.append(layer_name)
            stride *= self.strides[i]
            stage_channels.append(self.inplanes)
            stage_strides.append(stride)
        self.feat_dim = self.inplanes
        self.out_channels = tuple(stage_channels[i] for i in self.out_indices)
        self.out_strides = tuple(stage_strides[i] for i in self.out_indices)
        self._freeze_stages()

    def make_res_layer(self, **kwargs: Any) -> nn.Module:
        """Build one stage; subclasses override this to pass block arguments (e.g. ResNeXt's groups)."""
        return ResLayer(**kwargs)

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

    @property
    def norm1(self) -> nn.Module:
        """The norm layer of the 7x7 stem (absent with ``deep_stem``)."""
        return getattr(self, self.norm1_name)

    def _make_stem_layer(self, in_channels: int, stem_channels: int) -> None:
        if self.deep_stem:
            half = stem_channels // 2
            self.stem = nn.Sequential(
                build_conv_layer(self.conv_cfg, in_channels, half, kernel_size=3, stride=2, padding=1, bias=False),
                build_norm_layer(self.norm_cfg, half)[1],
                nn.ReLU(inplace=True),
                build_conv_layer(self.conv_cfg, half, half, kernel_size=3, stride=1, padding=1, bias=False),
                build_norm_layer(self.norm_cfg, half)[1],
                nn.ReLU(inplace=True),
                build_conv_layer(self.conv_cfg, half, stem_channels, kernel_size=3, stride=1, padding=1, bias=False),
                build_norm_layer(self.norm_cfg, stem_channels)[1],
                nn.ReLU(inplace=True),
            )
        else:
            self.conv1 = build_conv_layer(
                self.conv_cfg, in_channels, stem_channels, kernel_size=7, stride=2, padding=3, bias=False
            )
            self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, stem_channels, postfix=1)
            self.add_module(self.norm1_name, norm1)
            self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)

    def _freeze_stages(self) -> None:
        if self.frozen_stages >= 0:
            if self.deep_stem:
                freeze(self.stem)
            else:
                freeze(self.conv1)
                freeze(self.norm1)
        for i in range(1, self.frozen_stages + 1):
            freeze(getattr(self, f"layer{i}"))

    def forward_stem(self, x: torch.Tensor) -> torch.Tensor:
        """The layers before the first stage."""
        x = self.stem(x) if self.deep_stem else self.relu(self.norm1(self.conv1(x)))
        return self.maxpool(x)

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

    def train(self, mode: bool = True) -> ResNet:
        """Switch train/eval mode, keeping frozen stages (and, with ``norm_eval``, batch norms) in eval mode."""
        super().train(mode)
        self._freeze_stages()
        if mode and self.norm_eval:
            set_norm_eval(self)
        return self


@BACKBONES.register_module()
class ResNetV1c(ResNet):
    """ResNet-C: :class:`ResNet` with the three-3x3-conv stem (``deep_stem=True``).

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

"""The residual blocks of the ResNet family (BasicBlock, Bottleneck) and the checks of their arguments.

HRNet's branches are built from the same blocks, so they live here rather than in resnet.py.
"""

from __future__ import annotations

from typing import ClassVar

import torch
import torch.nn as nn

from cnn_init import BaseModule, constant_init
from cnn_layers import DropPath, build_conv_layer, build_norm_layer, build_plugin_layer

from .checkpoint import checkpoint_block

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


class BlockChannels:
    """``in_channels``, ``mid_channels`` and ``out_channels`` of a residual block, as mmpretrain names them.

    Plain data set by the block's ``__init__`` as ``_channels``; never in the state dict.
    """

    _channels: tuple[int, int, int]

    @property
    def in_channels(self) -> int:
        """Input channels of the block."""
        return self._channels[0]

    @property
    def mid_channels(self) -> int:
        """Channels between the block's first and last conv."""
        return self._channels[1]

    @property
    def out_channels(self) -> int:
        """Output channels of the block."""
        return self._channels[2]


class BasicBlock(BlockChannels, BaseModule):
    """Two 3x3 convs with an identity shortcut (ResNet-18/34).

    Args:
        inplanes: Input channels.
        planes: Output channels (``expansion`` is 1).
        stride: Stride of the first conv.
        dilation: Dilation (and padding) of the first conv.
        downsample: Projection applied to the shortcut when shapes change.
        style: Accepted for symmetry with ``Bottleneck``; both convs are 3x3 so it changes nothing.
        with_cp: Recompute the block in the backward pass instead of storing its activations.
        conv_cfg: Config of the convs (``None`` means ``Conv2d``).
        norm_cfg: Config of the norm layers.
        dcn: Must be ``None``: deformable convs are only placed in ``Bottleneck``.
        plugins: Must be ``None``: plugins are only placed in ``Bottleneck``.
        init_cfg: Initialisation config.
        expansion: ``None`` or 1.
        drop_path_rate: Probability of dropping the residual branch of a sample in training (stochastic depth).

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
        expansion: int | None = None,
        drop_path_rate: float = 0.0,
    ) -> None:
        super().__init__(init_cfg)
        check_style(style)
        if expansion not in (None, 1):
            raise ValueError(f"expansion={expansion!r}: BasicBlock's output has its input's width (expansion 1)")
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
        self._channels = (inplanes, planes, planes)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride
        self.dilation = dilation
        self.with_cp = with_cp
        self.drop_path = make_drop_path(drop_path_rate)

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
        if self.drop_path is not None:
            out = self.drop_path(out)
        out += identity
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block, recomputing it in backward when ``with_cp`` is set and gradients flow."""
        out = checkpoint_block(self, self.residual, x) if self.with_cp and x.requires_grad else self.residual(x)
        return self.relu(out)


class Bottleneck(BlockChannels, BaseModule):
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
        expansion: Output channels per ``planes`` (4; mmpretrain's wide ResNets use 2).
        drop_path_rate: Probability of dropping the residual branch of a sample in training (stochastic depth).

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
        expansion: int | None = None,
        drop_path_rate: float = 0.0,
    ) -> None:
        super().__init__(init_cfg)
        self.style = check_style(style)
        out_channels = planes * get_expansion(type(self), expansion)
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
        mid_channels = self.middle_channels(planes, groups, base_width, base_channels)
        self.width = mid_channels
        self._channels = (inplanes, mid_channels, out_channels)

        self.conv1 = build_conv_layer(
            conv_cfg, inplanes, mid_channels, kernel_size=1, stride=self.conv1_stride, bias=False
        )
        self.norm1_name, norm1 = build_norm_layer(norm_cfg, mid_channels, postfix=1)
        self.add_module(self.norm1_name, norm1)
        self.make_middle(mid_channels, self.conv2_cfg(conv_cfg, dcn), norm_cfg, groups, downsample is not None)
        self.conv3 = build_conv_layer(conv_cfg, mid_channels, out_channels, kernel_size=1, bias=False)
        self.norm3_name, norm3 = build_norm_layer(norm_cfg, out_channels, postfix=3)
        self.add_module(self.norm3_name, norm3)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

        self.after_conv1_plugin_names = self.make_block_plugins(mid_channels, plugins, "after_conv1")
        self.after_conv2_plugin_names = self.make_block_plugins(mid_channels, plugins, "after_conv2")
        self.after_conv3_plugin_names = self.make_block_plugins(out_channels, plugins, "after_conv3")
        self.drop_path = make_drop_path(drop_path_rate)

    def middle_channels(self, planes: int, groups: int, base_width: int, base_channels: int) -> int:
        """Channels between the 1x1 convs: ``planes``, or ResNeXt's ``planes * base_width // base_channels * groups``.

        Res2Net overrides it (``scales`` slices).
        """
        return planes if groups == 1 else (planes * base_width // base_channels) * groups

    def make_middle(
        self, channels: int, conv_cfg: dict | None, norm_cfg: dict, groups: int, first_in_stage: bool
    ) -> None:
        """Build the middle of the block (here ``conv2``, a 3x3 conv, and its norm); ``forward_middle`` runs it.

        Args:
            channels: Input and output channels of the middle (``mid_channels``).
            conv_cfg: Config of the middle conv (the ``dcn`` config where one applies).
            norm_cfg: Config of the norm layers.
            groups: Groups of the 3x3 conv.
            first_in_stage: Whether this block has the stage's shortcut projection.
        """
        self.conv2 = build_conv_layer(
            conv_cfg,
            channels,
            channels,
            kernel_size=3,
            stride=self.conv2_stride,
            padding=self.dilation,
            dilation=self.dilation,
            groups=groups,
            bias=False,
        )
        self.norm2_name, norm2 = build_norm_layer(norm_cfg, channels, postfix=2)
        self.add_module(self.norm2_name, norm2)

    def forward_middle(self, x: torch.Tensor) -> torch.Tensor:
        """Run the middle built by ``make_middle``: conv2, norm2, ReLU."""
        return self.relu(self.norm2(self.conv2(x)))

    def conv2_cfg(self, conv_cfg: dict | None, dcn: dict | None) -> dict | None:
        """The config of the middle conv: ``dcn`` without its ``fallback_on_stride`` key, or ``conv_cfg``."""
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
        out = self.forward_middle(out)
        out = self.forward_plugin(out, self.after_conv2_plugin_names)
        out = self.norm3(self.conv3(out))
        out = self.forward_plugin(out, self.after_conv3_plugin_names)
        if self.drop_path is not None:
            out = self.drop_path(out)
        out += identity
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply the block, recomputing it in backward when ``with_cp`` is set and gradients flow."""
        out = checkpoint_block(self, self.residual, x) if self.with_cp and x.requires_grad else self.residual(x)
        return self.relu(out)


class SimplifiedBasicBlock(BaseModule):
    """mmdet's BasicBlock of SCNet: the norms are optional (convs get a bias without them) and no final ReLU.

    Args:
        inplanes: Input channels.
        planes: Output channels.
        stride: Stride of the first conv.
        dilation: Dilation (and padding) of the first conv.
        downsample: Projection applied to the shortcut when shapes change.
        style: ``'pytorch'`` or ``'caffe'`` (both convs are 3x3, so it changes nothing).
        with_cp: Must be ``False``.
        conv_cfg: Config of the convs.
        norm_cfg: Config of the norms, or ``None`` for none.
        dcn: Must be ``None``.
        plugins: Must be ``None``.
        init_cfg: Initialisation config.

    Example:
        >>> import torch
        >>> block = SimplifiedBasicBlock(8, 8, norm_cfg=None)
        >>> block.conv1.bias is not None, block.norm1
        (True, None)
        >>> block(torch.rand(1, 8, 4, 4)).shape
        torch.Size([1, 8, 4, 4])
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
        for name, value in (("dcn", dcn), ("plugins", plugins)):
            if value is not None:
                raise ValueError(f"{name}={value!r}: SimplifiedBasicBlock takes no {name}")
        if with_cp:
            raise ValueError("with_cp=True: SimplifiedBasicBlock does not checkpoint")
        self.with_norm = norm_cfg is not None
        self.conv1 = build_conv_layer(
            conv_cfg, inplanes, planes, 3, stride=stride, padding=dilation, dilation=dilation, bias=not self.with_norm
        )
        if norm_cfg is not None:
            self.norm1_name, norm1 = build_norm_layer(norm_cfg, planes, postfix=1)
            self.add_module(self.norm1_name, norm1)
        self.conv2 = build_conv_layer(conv_cfg, planes, planes, 3, padding=1, bias=not self.with_norm)
        if norm_cfg is not None:
            self.norm2_name, norm2 = build_norm_layer(norm_cfg, planes, postfix=2)
            self.add_module(self.norm2_name, norm2)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample
        self.stride = stride
        self.dilation = dilation
        self.with_cp = with_cp

    @property
    def norm1(self) -> nn.Module | None:
        """The norm after ``conv1``, or ``None``."""
        return getattr(self, self.norm1_name) if self.with_norm else None

    @property
    def norm2(self) -> nn.Module | None:
        """The norm after ``conv2``, or ``None``."""
        return getattr(self, self.norm2_name) if self.with_norm else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``f(x) + shortcut(x)``, with no ReLU after the sum."""
        out = self.relu(self.conv1(x) if self.norm1 is None else self.norm1(self.conv1(x)))
        out = self.conv2(out) if self.norm2 is None else self.norm2(self.conv2(out))
        identity = x if self.downsample is None else self.downsample(x)
        return out + identity


def get_expansion(block: type[nn.Module], expansion: int | None = None) -> int:
    """The channel expansion of a residual block: ``expansion`` if given, else the block's (mmpretrain's helper).

    Example:
        >>> get_expansion(Bottleneck), get_expansion(Bottleneck, 2), get_expansion(BasicBlock)
        (4, 2, 1)
    """
    if expansion is not None:
        if not isinstance(expansion, int) or isinstance(expansion, bool):
            raise TypeError(f"expansion={expansion!r}: expected an int or None, got {type(expansion).__name__}")
        if expansion < 1:
            raise ValueError(f"expansion={expansion!r}: expected a positive int or None")
        return expansion
    value = getattr(block, "expansion", None)
    if isinstance(value, int):
        return value
    raise TypeError(f"block={block!r}: it has no expansion attribute; give expansion")


def make_drop_path(rate: float) -> DropPath | None:
    """A ``DropPath`` for a positive ``rate``, else ``None`` (no module, so nothing runs and no key changes).

    Example:
        >>> make_drop_path(0.0) is None, type(make_drop_path(0.1)).__name__
        (True, 'DropPath')
    """
    if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 0 <= rate < 1:
        raise ValueError(f"drop_path_rate={rate!r}: expected a probability in [0, 1)")
    return DropPath(float(rate)) if rate > 0 else None


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


def zero_init_last_norms(module: nn.Module) -> None:
    """Zero the last norm of every residual block in ``module``, so each block starts as the identity."""
    for m in module.modules():
        if isinstance(m, Bottleneck):
            constant_init(m.norm3, 0)
        elif isinstance(m, BasicBlock):
            constant_init(m.norm2, 0)

"""HRNet (Wang et al., 2019): parallel branches at 1/4, 1/8, 1/16 and 1/32 resolution that keep exchanging features."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import torch
import torch.nn as nn

from cnn_init import BaseModule
from cnn_layers import build_conv_layer, build_norm_layer

from .base import BaseBackbone
from .registry import BACKBONES
from .res_layer import make_downsample
from .residual_blocks import BasicBlock, Bottleneck, zero_init_last_norms

BLOCKS: dict[str, type[BasicBlock] | type[Bottleneck]] = {"BASIC": BasicBlock, "BOTTLENECK": Bottleneck}
STAGE_KEYS = ("num_modules", "num_branches", "block", "num_blocks", "num_channels")


def hrnet_extra(width: int, blocks: int = 4, modules: Sequence[int] = (1, 1, 4, 3)) -> dict[str, dict[str, Any]]:
    """The ``extra`` dict of an HRNetV2 with branch widths ``width * (1, 2, 4, 8)``.

    Example:
        >>> hrnet_extra(18)['stage3']
        {'num_modules': 4, 'num_branches': 3, 'block': 'BASIC', 'num_blocks': (4, 4, 4), 'num_channels': (18, 36, 72)}
    """
    extra = {
        "stage1": dict(
            num_modules=modules[0], num_branches=1, block="BOTTLENECK", num_blocks=(blocks,), num_channels=(64,)
        )
    }
    for i in range(1, 4):
        extra[f"stage{i + 1}"] = dict(
            num_modules=modules[i],
            num_branches=i + 1,
            block="BASIC",
            num_blocks=(blocks,) * (i + 1),
            num_channels=tuple(width * 2**j for j in range(i + 1)),
        )
    return extra


class HRModule(BaseModule):
    """One exchange unit: residual blocks on every branch, then every output sums all branches.

    Branch ``j`` reaches output ``i`` through a 1x1 conv and nearest upsampling when it is coarser
    (``j > i``), through ``i - j`` strided 3x3 convs when it is finer, and unchanged when ``i == j``.

    with_cp, conv_cfg and norm_cfg are passed on to the blocks.

    Args:
        num_branches: Number of parallel resolutions.
        blocks: Block class of the branches.
        num_blocks: Blocks per branch.
        in_channels: Input channels per branch.
        num_channels: Base channels per branch (times ``blocks.expansion`` at the output).
        multiscale_output: Return every branch (``True``) or only the finest one.
        init_cfg: Initialisation config.

    Example:
        >>> import torch
        >>> m = HRModule(2, BasicBlock, (1, 1), [8, 16], (8, 16))
        >>> [tuple(y.shape) for y in m([torch.rand(1, 8, 8, 8), torch.rand(1, 16, 4, 4)])]
        [(1, 8, 8, 8), (1, 16, 4, 4)]
    """

    def __init__(
        self,
        num_branches: int,
        blocks: type[BasicBlock] | type[Bottleneck],
        num_blocks: Sequence[int],
        in_channels: Sequence[int],
        num_channels: Sequence[int],
        multiscale_output: bool = True,
        with_cp: bool = False,
        conv_cfg: dict | None = None,
        norm_cfg: dict | None = None,
        init_cfg: dict | list[dict] | None = None,
    ) -> None:
        super().__init__(init_cfg)
        for name, value in (("num_blocks", num_blocks), ("in_channels", in_channels), ("num_channels", num_channels)):
            if len(value) != num_branches:
                raise ValueError(f"{name}={tuple(value)!r}: expected {num_branches} values, one per branch")
        self.num_branches = num_branches
        self.multiscale_output = multiscale_output
        self.with_cp = with_cp
        self.conv_cfg = conv_cfg
        self.norm_cfg = dict(type="BN") if norm_cfg is None else norm_cfg
        self.in_channels = list(in_channels)
        self.branches = nn.ModuleList(
            self._make_one_branch(i, blocks, num_blocks[i], num_channels[i]) for i in range(num_branches)
        )
        self.fuse_layers = self._make_fuse_layers() if num_branches > 1 else None
        self.relu = nn.ReLU(inplace=False)

    def _make_one_branch(
        self, index: int, block: type[BasicBlock] | type[Bottleneck], num_blocks: int, planes: int
    ) -> nn.Sequential:
        inplanes, out_channels = self.in_channels[index], planes * block.expansion
        downsample = None
        if inplanes != out_channels:
            downsample = make_downsample(inplanes, out_channels, 1, conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg)
        common: dict[str, Any] = dict(with_cp=self.with_cp, conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg)
        layers = [block(inplanes, planes, downsample=downsample, **common)]
        layers.extend(block(out_channels, planes, **common) for _ in range(1, num_blocks))
        self.in_channels[index] = out_channels
        return nn.Sequential(*layers)

    def _make_fuse_layers(self) -> nn.ModuleList:
        channels = self.in_channels
        fuse_layers = []
        for i in range(self.num_branches if self.multiscale_output else 1):
            fuse_layer: list[nn.Module | None] = []
            for j in range(self.num_branches):
                if j > i:
                    fuse_layer.append(
                        nn.Sequential(
                            build_conv_layer(self.conv_cfg, channels[j], channels[i], kernel_size=1, bias=False),
                            build_norm_layer(self.norm_cfg, channels[i])[1],
                            nn.Upsample(scale_factor=2 ** (j - i), mode="nearest"),
                        )
                    )
                elif j == i:
                    fuse_layer.append(None)
                else:
                    fuse_layer.append(self._make_down_path(channels[j], channels[i], i - j))
            # None marks the identity path (i == j), as in the published modules and their keys
            fuse_layers.append(nn.ModuleList(fuse_layer))  # type: ignore[arg-type]
        return nn.ModuleList(fuse_layers)

    def _make_down_path(self, in_channels: int, out_channels: int, steps: int) -> nn.Sequential:
        layers = []
        for k in range(steps):
            last = k == steps - 1
            conv_out = out_channels if last else in_channels
            step: list[nn.Module] = [
                build_conv_layer(self.conv_cfg, in_channels, conv_out, kernel_size=3, stride=2, padding=1, bias=False),
                build_norm_layer(self.norm_cfg, conv_out)[1],
            ]
            if not last:
                step.append(nn.ReLU(inplace=False))
            layers.append(nn.Sequential(*step))
        return nn.Sequential(*layers)

    def forward(self, x: list[torch.Tensor]) -> list[torch.Tensor]:
        """Map a list of branch inputs to a list of fused branch outputs."""
        x = [branch(xi) for branch, xi in zip(self.branches, x, strict=True)]
        if self.fuse_layers is None:
            return x
        outs = []
        fuse_layer: nn.ModuleList
        for fuse_layer in self.fuse_layers:  # type: ignore[assignment]
            y = None
            layer: nn.Module | None
            for j, layer in enumerate(fuse_layer):
                term = x[j] if layer is None else layer(x[j])
                y = term if y is None else y + term
            outs.append(self.relu(y))
        return outs


@BACKBONES.register_module()
class HRNet(BaseBackbone):
    """HRNetV2 backbone returning one feature map per branch (strides 4, 8, 16, 32).

    Args:
        extra: The stages: a name (``'w18_small'``, ``'w18'``, ``'w30'``, ``'w32'``, ``'w40'``, ``'w44'``,
            ``'w48'``, ``'w64'``) or a
            dict with keys ``stage1`` .. ``stage4``, each
            ``dict(num_modules, num_branches, block='BASIC'|'BOTTLENECK', num_blocks, num_channels)``.
        in_channels: Input image channels.
        conv_cfg: Config of the convs.
        norm_cfg: Config of the norm layers.
        norm_eval: Keep batch-norm layers in eval mode during training (True by default, as in mmdet).
        with_cp: Gradient checkpointing of every block.
        zero_init_residual: Zero the last norm of every block in ``init_weights`` (default init only).
        multiscale_output: Return all four branches (``True``) or only the finest one.
        out_indices: Branches to return, among those produced.
        frozen_stages: Freeze the stem (0) and stages 1 .. ``frozen_stages``; -1 freezes nothing.
        pretrained: Checkpoint to load in ``init_weights``, e.g. ``'open-mmlab://msra/hrnetv2_w18'``.
        init_cfg: Initialisation config.
        arch: mmpretrain's spelling of a published name (``arch='w32'``), instead of ``extra``.

    Example:
        >>> import torch
        >>> model = HRNet('w18_small').eval()
        >>> model.out_channels, model.out_strides
        ((18, 36, 72, 144), (4, 8, 16, 32))
        >>> [tuple(f.shape) for f in model(torch.rand(1, 3, 32, 32))]
        [(1, 18, 8, 8), (1, 36, 4, 4), (1, 72, 2, 2), (1, 144, 1, 1)]
    """

    arch_settings: ClassVar[dict[str, dict[str, dict[str, Any]]]] = {
        "w18_small": hrnet_extra(18, blocks=2, modules=(1, 1, 3, 2)),
        "w18": hrnet_extra(18),
        "w32": hrnet_extra(32),
        "w30": hrnet_extra(30),
        "w40": hrnet_extra(40),
        "w44": hrnet_extra(44),
        "w48": hrnet_extra(48),
        "w64": hrnet_extra(64),
    }
    blocks_dict: ClassVar[dict[str, type[BasicBlock] | type[Bottleneck]]] = BLOCKS

    def __init__(
        self,
        extra: str | dict[str, dict[str, Any]] | None = None,
        in_channels: int = 3,
        conv_cfg: dict | None = None,
        norm_cfg: dict | None = None,
        norm_eval: bool = True,
        with_cp: bool = False,
        zero_init_residual: bool = False,
        multiscale_output: bool = True,
        out_indices: Sequence[int] | None = None,
        frozen_stages: int = -1,
        pretrained: str | None = None,
        init_cfg: dict | list[dict] | None = None,
        arch: str | None = None,
    ) -> None:
        if (extra is None) == (arch is None):
            raise TypeError(
                f"extra={extra!r}, arch={arch!r}: give one of them, extra (mmdet) or arch (mmpretrain, e.g. 'w32')"
            )
        if arch is not None and not isinstance(arch, str):
            raise TypeError(f"arch={arch!r}: expected a name, one of {sorted(self.arch_settings)}")
        super().__init__(
            out_indices=(0, 1, 2, 3) if out_indices is None else out_indices,
            frozen_stages=frozen_stages,
            norm_eval=norm_eval,
            pretrained=pretrained,
            init_cfg=init_cfg,
        )
        self.extra = self.resolve_extra(extra) if extra is not None else self.resolve_extra(str(arch))
        self.conv_cfg = conv_cfg
        self.norm_cfg = dict(type="BN") if norm_cfg is None else norm_cfg
        self.with_cp = with_cp
        self.zero_init_residual = zero_init_residual and init_cfg is None and pretrained is None
        self.make_stem(in_channels, 64)

        stage1 = self.extra["stage1"]
        block = self.blocks_dict[stage1["block"]]
        self.layer1 = self._make_layer(block, 64, stage1["num_channels"][0], stage1["num_blocks"][0])
        pre_channels = [stage1["num_channels"][0] * block.expansion]
        for s in (2, 3, 4):
            cfg = self.extra[f"stage{s}"]
            expansion = self.blocks_dict[cfg["block"]].expansion
            channels = [c * expansion for c in cfg["num_channels"]]
            self.add_module(f"transition{s - 1}", self._make_transition_layer(pre_channels, channels))
            stage, pre_channels = self._make_stage(cfg, channels, multiscale_output or s < 4)
            self.add_module(f"stage{s}", stage)

        num_outputs = len(pre_channels) if multiscale_output else 1
        if out_indices is None:
            self.out_indices = tuple(range(num_outputs))
        strides = [self.stem_stride * 2**i for i in range(num_outputs)]
        self.set_stages(pre_channels[:num_outputs], strides, num_stages=4)

    @classmethod
    def resolve_extra(cls, extra: str | dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Turn a published name into its stage dict and check a given dict.

        Example:
            >>> HRNet.resolve_extra('w32')['stage4']['num_channels']
            (32, 64, 128, 256)
        """
        if isinstance(extra, str):
            if extra not in cls.arch_settings:
                raise ValueError(f"extra={extra!r}: expected one of {sorted(cls.arch_settings)} or a dict")
            return {k: dict(v) for k, v in cls.arch_settings[extra].items()}
        if not isinstance(extra, dict):
            raise TypeError(f"extra={extra!r}: expected a name such as 'w18' or a dict with keys stage1..stage4")
        for s in range(1, 5):
            cfg = extra.get(f"stage{s}")
            if not isinstance(cfg, dict) or any(k not in cfg for k in STAGE_KEYS):
                raise ValueError(f"extra['stage{s}']={cfg!r}: expected a dict with keys {STAGE_KEYS}")
            if cfg["block"] not in BLOCKS:
                raise ValueError(f"extra['stage{s}']['block']={cfg['block']!r}: expected one of {sorted(BLOCKS)}")
            n = cfg["num_branches"]
            if n != s or len(cfg["num_blocks"]) != n or len(cfg["num_channels"]) != n:
                raise ValueError(
                    f"extra['stage{s}']={cfg!r}: expected num_branches={s} and that many num_blocks and num_channels"
                )
        return {k: dict(v) for k, v in extra.items()}

    def make_stem_layer(self, in_channels: int, stem_channels: int) -> None:
        """Two 3x3 stride-2 convs, each with a norm, and the ReLU that follows both."""
        self.conv1 = build_conv_layer(
            self.conv_cfg, in_channels, stem_channels, kernel_size=3, stride=2, padding=1, bias=False
        )
        self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, stem_channels, postfix=1)
        self.add_module(self.norm1_name, norm1)
        self.conv2 = build_conv_layer(
            self.conv_cfg, stem_channels, stem_channels, kernel_size=3, stride=2, padding=1, bias=False
        )
        self.norm2_name, norm2 = build_norm_layer(self.norm_cfg, stem_channels, postfix=2)
        self.add_module(self.norm2_name, norm2)
        self.relu = nn.ReLU(inplace=True)

    def forward_stem(self, x: torch.Tensor) -> torch.Tensor:
        """conv1, norm1, ReLU, conv2, norm2, ReLU."""
        x = self.relu(self.norm1(self.conv1(x)))
        return self.relu(self.norm2(self.conv2(x)))

    @property
    def norm1(self) -> nn.Module:
        """The norm layer after ``conv1``."""
        return getattr(self, self.norm1_name)

    @property
    def norm2(self) -> nn.Module:
        """The norm layer after ``conv2``."""
        return getattr(self, self.norm2_name)

    def _make_transition_layer(self, pre_channels: list[int], cur_channels: list[int]) -> nn.ModuleList:
        layers: list[nn.Module | None] = []
        for i, out_channels in enumerate(cur_channels):
            if i < len(pre_channels):
                if out_channels == pre_channels[i]:
                    layers.append(None)
                    continue
                layers.append(self._conv_bn_relu(pre_channels[i], out_channels, stride=1))
            else:
                steps = [
                    self._conv_bn_relu(
                        pre_channels[-1], out_channels if j == i - len(pre_channels) else pre_channels[-1]
                    )
                    for j in range(i + 1 - len(pre_channels))
                ]
                layers.append(nn.Sequential(*steps))
        return nn.ModuleList(layers)  # type: ignore[arg-type]  # None: the branch passes through

    def _conv_bn_relu(self, in_channels: int, out_channels: int, stride: int = 2) -> nn.Sequential:
        return nn.Sequential(
            build_conv_layer(
                self.conv_cfg, in_channels, out_channels, kernel_size=3, stride=stride, padding=1, bias=False
            ),
            build_norm_layer(self.norm_cfg, out_channels)[1],
            nn.ReLU(inplace=True),
        )

    def _make_layer(
        self, block: type[BasicBlock] | type[Bottleneck], inplanes: int, planes: int, num_blocks: int
    ) -> nn.Sequential:
        out_channels = planes * block.expansion
        downsample = None
        if inplanes != out_channels:
            downsample = make_downsample(inplanes, out_channels, 1, conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg)
        common: dict[str, Any] = dict(with_cp=self.with_cp, conv_cfg=self.conv_cfg, norm_cfg=self.norm_cfg)
        layers = [block(inplanes, planes, downsample=downsample, **common)]
        layers.extend(block(out_channels, planes, **common) for _ in range(1, num_blocks))
        return nn.Sequential(*layers)

    def _make_stage(
        self, cfg: dict[str, Any], in_channels: list[int], multiscale_output: bool
    ) -> tuple[nn.Sequential, list[int]]:
        modules = []
        for i in range(cfg["num_modules"]):
            module = HRModule(
                cfg["num_branches"],
                self.blocks_dict[cfg["block"]],
                cfg["num_blocks"],
                in_channels,
                cfg["num_channels"],
                multiscale_output=multiscale_output or i < cfg["num_modules"] - 1,
                with_cp=self.with_cp,
                conv_cfg=self.conv_cfg,
                norm_cfg=self.norm_cfg,
            )
            in_channels = module.in_channels
            modules.append(module)
        return nn.Sequential(*modules), in_channels

    def stage_modules(self, index: int) -> list[nn.Module]:
        """Stage 0 is ``layer1``; stage ``s`` is ``transition{s}`` and ``stage{s + 1}``."""
        if index == 0:
            return [self.layer1]
        return [getattr(self, f"transition{index}"), getattr(self, f"stage{index + 1}")]

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """Return the branch outputs in ``out_indices``."""
        y_list = [self.layer1(self.forward_stem(x))]
        for s in (2, 3, 4):
            transition = getattr(self, f"transition{s - 1}")
            x_list = []
            for i, layer in enumerate(transition):
                source = y_list[i] if i < len(y_list) else y_list[-1]
                x_list.append(source if layer is None else layer(source))
            y_list = getattr(self, f"stage{s}")(x_list)
        return tuple(y_list[i] for i in self.out_indices)

    def init_weights(self) -> None:
        """Apply ``init_cfg``, then zero the last norm of every block if ``zero_init_residual``."""
        super().init_weights()
        if self.zero_init_residual:
            zero_init_last_norms(self)

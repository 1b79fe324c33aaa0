"""``HRFuseScales``: fuse HRNet's four branches into one wide feature map, as mmpretrain's HRNet classifiers."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from cnn_backbones import Bottleneck, ResLayer
from cnn_bundles import ConvModule
from cnn_init import BaseModule

from ..registry import NECKS

#: widths each branch is raised to before the fusion (fixed, as in mmpretrain)
BRANCH_WIDTHS = (128, 256, 512, 1024)


@NECKS.register_module()
class HRFuseScales(BaseModule):
    """Raise each branch with a Bottleneck, fold them from fine to coarse with strided convs, then widen.

    Branch ``i`` goes through one `Bottleneck` stage to ``(128, 256, 512, 1024)[i]``
    channels; the running sum is downsampled by a 3x3 stride-2 ConvModule and
    added to the next branch; a 1x1 ConvModule gives ``out_channels``. Returns
    a one-element tuple, for a `GlobalAveragePooling` after it. The state-dict
    keys are mmpretrain's.

    Args:
        in_channels: the widths of HRNet's four outputs, e.g. ``(18, 36, 72, 144)`` for w18.
        out_channels: width of the fused map.
        norm_cfg: normalisation of the fusion convs.
        init_cfg: initialisation config. mmpretrain's default names Linear layers,
            which this neck does not have, so it set nothing; ours is ``None``.

    >>> neck = HRFuseScales(in_channels=(2, 4, 8, 16), out_channels=32)
    >>> feats = tuple(torch.rand(1, c, 16 // 2**i, 16 // 2**i) for i, c in enumerate((2, 4, 8, 16)))
    >>> [tuple(out.shape) for out in neck(feats)]
    [(1, 32, 2, 2)]
    """

    def __init__(
        self,
        in_channels: Sequence[int],
        out_channels: int = 2048,
        norm_cfg: Mapping[str, Any] | None = None,
        init_cfg: dict[str, Any] | list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        if (
            isinstance(in_channels, (str, int))
            or not isinstance(in_channels, Sequence)
            or len(in_channels) != len(BRANCH_WIDTHS)
            or any(isinstance(c, bool) or not isinstance(c, int) or c <= 0 for c in in_channels)
        ):
            raise ValueError(
                f"in_channels must be the {len(BRANCH_WIDTHS)} positive widths of HRNet's outputs "
                f"such as (18, 36, 72, 144), got {in_channels!r}"
            )
        if isinstance(out_channels, bool) or not isinstance(out_channels, int) or out_channels <= 0:
            raise ValueError(f"out_channels must be a positive int, got {out_channels!r}")
        self.in_channels = tuple(in_channels)
        self.out_channels = out_channels
        norm = dict(norm_cfg) if norm_cfg is not None else {"type": "BN", "momentum": 0.1}
        self.increase_layers = nn.ModuleList(
            ResLayer(Bottleneck, inplanes=c, planes=w // Bottleneck.expansion, num_blocks=1, stride=1)
            for c, w in zip(self.in_channels, BRANCH_WIDTHS, strict=True)
        )
        self.downsample_layers = nn.ModuleList(
            ConvModule(w_in, w_out, kernel_size=3, stride=2, padding=1, norm_cfg=norm, bias=False)
            for w_in, w_out in itertools.pairwise(BRANCH_WIDTHS)
        )
        self.final_layer = ConvModule(BRANCH_WIDTHS[-1], out_channels, kernel_size=1, norm_cfg=norm, bias=False)

    def forward(self, inputs: Sequence[torch.Tensor]) -> tuple[torch.Tensor]:
        if not isinstance(inputs, (tuple, list)) or len(inputs) != len(self.in_channels):
            raise ValueError(
                f"HRFuseScales takes HRNet's {len(self.in_channels)} outputs as a tuple "
                f"(set the backbone's multiscale_output=True), got {type(inputs).__name__}"
                + (f" of {len(inputs)}" if isinstance(inputs, (tuple, list)) else "")
            )
        feat = self.increase_layers[0](inputs[0])
        for downsample, increase, x in zip(self.downsample_layers, self.increase_layers[1:], inputs[1:], strict=True):
            feat = downsample(feat) + increase(x)
        return (self.final_layer(feat),)

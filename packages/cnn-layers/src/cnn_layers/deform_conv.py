"""Deformable convolution: ``DCN`` (Dai et al., 2017) and modulated ``DCNv2`` (Zhu et al., 2019).

Both run on torchvision's ``torchvision.ops.deform_conv2d``, imported when a
layer is built (install with ``pip install "cnn-layers[dcn]"``). The offset
(and mask) convolution lives inside the layer as ``conv_offset`` and starts at
zero, so the parameter names match OpenMMLab's ``DeformConv2dPack`` and
``ModulatedDeformConv2dPack`` and their checkpoints load unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from .registry import CONV_LAYERS

INSTALL_HINT = 'pip install "cnn-layers[dcn]"'


def torchvision_deform_conv2d() -> Callable[..., torch.Tensor]:
    """``torchvision.ops.deform_conv2d``, or an ``ImportError`` that names the install line.

    >>> torchvision_deform_conv2d().__name__  # doctest: +SKIP
    'deform_conv2d'
    """
    try:
        from torchvision.ops import deform_conv2d
    except ImportError as exc:
        raise ImportError(
            f"deformable convolution (DCN, DCNv2) runs on torchvision's deform_conv2d, which could not be "
            f"imported ({exc}); install it with: {INSTALL_HINT}"
        ) from exc
    return deform_conv2d


def _deform_groups(owner: str, deform_groups: int, deformable_groups: int | None) -> int:
    """``deform_groups``, or mmcv 1.x's ``deformable_groups`` when only that one was set."""
    if deformable_groups is None:
        return deform_groups
    if deform_groups not in (1, deformable_groups):
        raise TypeError(
            f"{owner}: got deform_groups={deform_groups!r} and deformable_groups={deformable_groups!r}; "
            "they are two names of one argument (deformable_groups is mmcv 1.x's): give one"
        )
    return deformable_groups


class DeformConv2d(nn.Conv2d):
    """Deformable 2-D convolution whose sampling offsets come from ``conv_offset``.

    ``conv_offset`` is a ``Conv2d`` from the input to ``2 * deform_groups * kh * kw``
    channels, with the layer's kernel, stride, padding and dilation, zero at
    start: a fresh layer computes the plain convolution of ``weight``.

    Args:
        in_channels: input channels.
        out_channels: output channels.
        kernel_size: kernel size.
        stride: stride.
        padding: zero padding.
        dilation: dilation.
        groups: groups of the main convolution.
        deform_groups: groups of channels that share offsets; divides ``in_channels``.
        bias: add a learnt bias (OpenMMLab's DCN has none, the default).
        padding_mode: only ``'zeros'``, what the deformable kernel implements.
        deformable_groups: mmcv 1.x's name of ``deform_groups``, accepted so its configs
            (``dict(type='DCN', deformable_groups=1)``) build unchanged.

    >>> CONV_LAYERS.get('DCN') is DeformConv2d
    True
    >>> DeformConv2d(4, 8, 3, padding=1)  # doctest: +SKIP
    DeformConv2d(4, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), bias=False, deform_groups=1)
    """

    offset_factor = 2  # numbers per sampling point that conv_offset predicts

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        deform_groups: int = 1,
        bias: bool = False,
        padding_mode: str = "zeros",
        deformable_groups: int | None = None,
    ):
        deform_groups = _deform_groups(type(self).__name__, deform_groups, deformable_groups)
        self._deform_conv2d = torchvision_deform_conv2d()
        if padding_mode != "zeros":
            raise ValueError(f"{type(self).__name__}: padding_mode must be 'zeros', got {padding_mode!r}")
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias)
        if isinstance(deform_groups, bool) or not isinstance(deform_groups, int) or deform_groups <= 0:
            raise ValueError(f"{type(self).__name__}: deform_groups must be a positive int, got {deform_groups!r}")
        if in_channels % deform_groups:
            raise ValueError(
                f"{type(self).__name__}: in_channels ({in_channels}) must be divisible by "
                f"deform_groups ({deform_groups})"
            )
        self.deform_groups = deform_groups
        kh, kw = self.kernel_size
        self.conv_offset = nn.Conv2d(
            in_channels, deform_groups * self.offset_factor * kh * kw, kernel_size, stride, padding, dilation
        )
        self.init_offset()

    def init_offset(self) -> None:
        """Zero ``conv_offset`` so the layer samples the regular grid; call again after a blanket re-init."""
        nn.init.zeros_(self.conv_offset.weight)
        if self.conv_offset.bias is not None:
            nn.init.zeros_(self.conv_offset.bias)

    def offset_and_mask(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The sampling offsets for ``x`` (and no mask)."""
        return self.conv_offset(x), None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4:
            raise ValueError(f"{type(self).__name__}: expected a 4D (N, C, H, W) input, got shape {tuple(x.shape)}")
        offset, mask = self.offset_and_mask(x)
        return self._deform_conv2d(
            x, offset, self.weight, self.bias, self.stride, self.padding, self.dilation, mask=mask
        )

    def extra_repr(self) -> str:
        return super().extra_repr() + f", deform_groups={self.deform_groups}"


@CONV_LAYERS.register_module(name=["DCNv2", "ModulatedDeformConv2d"])
class ModulatedDeformConv2d(DeformConv2d):
    """Modulated deformable convolution (DCNv2): offsets plus a sigmoid mask per sampling point.

    ``conv_offset`` predicts ``3 * deform_groups * kh * kw`` channels: the
    first two thirds are the offsets, the last third the mask logits. At start
    the offsets are zero and the mask is ``sigmoid(0) = 0.5``: a fresh layer
    computes half the plain convolution of ``weight``, plus ``bias``.

    Same arguments as `DeformConv2d`, except that ``bias`` defaults to ``True``.

    >>> CONV_LAYERS.get('DCNv2') is ModulatedDeformConv2d
    True
    """

    offset_factor = 3

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        deform_groups: int = 1,
        bias: bool = True,
        padding_mode: str = "zeros",
        deformable_groups: int | None = None,
    ):
        super().__init__(
            in_channels,
            out_channels,
            kernel_size,
            stride,
            padding,
            dilation,
            groups,
            _deform_groups(type(self).__name__, deform_groups, deformable_groups),
            bias,
            padding_mode,
        )

    def offset_and_mask(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor | None]:
        """The sampling offsets and the mask for ``x``."""
        first, second, mask_logits = torch.chunk(self.conv_offset(x), 3, dim=1)
        return torch.cat([first, second], dim=1), torch.sigmoid(mask_logits)

    def _load_from_state_dict(
        self,
        state_dict: dict[str, Any],
        prefix: str,
        local_metadata: dict[str, Any],
        strict: bool,
        missing_keys: list[str],
        unexpected_keys: list[str],
        error_msgs: list[str],
    ) -> None:
        # Older OpenMMLab checkpoints call the offset convolution ``conv_offset_mask``.
        for suffix in ("weight", "bias"):
            old = f"{prefix}conv_offset_mask.{suffix}"
            if old in state_dict and f"{prefix}conv_offset.{suffix}" not in state_dict:
                state_dict[f"{prefix}conv_offset.{suffix}"] = state_dict.pop(old)
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, missing_keys, unexpected_keys, error_msgs
        )


CONV_LAYERS.register_module(name=["DCN", "DeformConv2d"], module=DeformConv2d)

"""``ConvWS``: a 2-D convolution with weight standardisation (Qiao et al., 2019).

Each output filter is standardised to zero mean and unit (unbiased) standard
deviation before convolving, as in the "ResNet with GN and WS" checkpoints of
OpenMMLab. The parameters are a plain ``Conv2d``'s, so are the state-dict keys.
"""

from __future__ import annotations

from typing import Literal

import torch
from torch import nn

from .registry import CONV_LAYERS

PaddingMode = Literal["zeros", "reflect", "replicate", "circular"]


def standardize_weight(weight: torch.Tensor, eps: float = 1e-5) -> torch.Tensor:
    """``(w - mean) / (std + eps)`` per output filter, ``std`` unbiased.

    >>> w = torch.tensor([[1.0, 3.0]]).view(1, 1, 1, 2)
    >>> standardize_weight(w, eps=0.0).flatten().tolist()
    [-0.7071067690849304, 0.7071067690849304]
    """
    flat = weight.flatten(1)
    mean = flat.mean(dim=1).view(-1, *([1] * (weight.dim() - 1)))
    std = flat.std(dim=1).view_as(mean)
    return (weight - mean) / (std + eps)


@CONV_LAYERS.register_module(name=["ConvWS", "ConvWS2d"])
class ConvWS2d(nn.Conv2d):
    """``nn.Conv2d`` that convolves with the standardised weight.

    Args:
        in_channels: input channels.
        out_channels: output channels.
        kernel_size: kernel size.
        stride: stride.
        padding: padding.
        dilation: dilation.
        groups: groups.
        bias: add a learnt bias.
        padding_mode: ``'zeros'``, ``'reflect'``, ``'replicate'`` or ``'circular'``, as in ``nn.Conv2d``.
        eps: added to each filter's standard deviation.

    >>> conv = ConvWS2d(2, 4, 3, padding=1)
    >>> conv(torch.randn(1, 2, 5, 5)).shape
    torch.Size([1, 4, 5, 5])
    >>> list(conv.state_dict())
    ['weight', 'bias']
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, int],
        stride: int | tuple[int, int] = 1,
        padding: int | tuple[int, int] = 0,
        dilation: int | tuple[int, int] = 1,
        groups: int = 1,
        bias: bool = True,
        padding_mode: PaddingMode = "zeros",
        eps: float = 1e-5,
    ):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode)
        self.eps = eps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._conv_forward(x, standardize_weight(self.weight, self.eps), self.bias)

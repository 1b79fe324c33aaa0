"""``ConvAWS2d``: convolution with adaptive weight standardisation (DetectoRS, Qiao et al., 2020).

The filter is standardised, then rescaled by the per-filter buffers
``weight_gamma`` and ``weight_beta``. A checkpoint of a plain convolution
(without those buffers) loads so that the layer computes the same function:
the buffers are set to the loaded filters' own standard deviation and mean.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from .conv_ws import PaddingMode
from .registry import CONV_LAYERS


def _filter_mean_std(weight: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    flat = weight.flatten(1)
    shape = (-1, *([1] * (weight.dim() - 1)))
    return flat.mean(dim=1).view(shape), torch.sqrt(flat.var(dim=1) + 1e-5).view(shape)


@CONV_LAYERS.register_module(name=["ConvAWS", "ConvAWS2d"])
class ConvAWS2d(nn.Conv2d):
    """``nn.Conv2d`` with weight ``gamma * (w - mean) / sqrt(var + 1e-5) + beta`` per filter.

    Same arguments as ``nn.Conv2d``. State dict: ``weight``, ``bias``,
    ``weight_gamma``, ``weight_beta``.

    >>> conv = ConvAWS2d(2, 3, 1)
    >>> plain = nn.Conv2d(2, 3, 1)
    >>> conv.load_state_dict(plain.state_dict(), strict=False).missing_keys
    []
    >>> x = torch.randn(1, 2, 4, 4)
    >>> torch.allclose(conv(x), plain(x), atol=1e-5)
    True
    """

    weight_gamma: torch.Tensor
    weight_beta: torch.Tensor

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
    ):
        super().__init__(in_channels, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode)
        self.register_buffer("weight_gamma", torch.ones(out_channels, 1, 1, 1))
        self.register_buffer("weight_beta", torch.zeros(out_channels, 1, 1, 1))

    def adapted_weight(self) -> torch.Tensor:
        """The weight the convolution uses."""
        mean, std = _filter_mean_std(self.weight)
        return self.weight_gamma * (self.weight - mean) / std + self.weight_beta

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._conv_forward(x, self.adapted_weight(), self.bias)

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
        own_missing: list[str] = []
        super()._load_from_state_dict(
            state_dict, prefix, local_metadata, strict, own_missing, unexpected_keys, error_msgs
        )
        buffers = {prefix + "weight_gamma", prefix + "weight_beta"}
        if buffers & set(own_missing) and prefix + "weight" in state_dict:
            # a plain conv's checkpoint: choose gamma and beta that undo the standardisation
            with torch.no_grad():
                mean, std = _filter_mean_std(self.weight)
                self.weight_gamma.copy_(std)
                self.weight_beta.copy_(mean)
            own_missing = [key for key in own_missing if key not in buffers]
        missing_keys.extend(own_missing)

"""``GlobalAveragePooling``: the neck of mmcls's ResNet classifiers, one vector per stage output."""

from __future__ import annotations

import torch
from torch import nn

from ..registry import NECKS

_POOLS = {1: nn.AdaptiveAvgPool1d, 2: nn.AdaptiveAvgPool2d, 3: nn.AdaptiveAvgPool3d}


@NECKS.register_module()
class GlobalAveragePooling(nn.Module):
    """Average every spatial position away and flatten to ``(N, C)``.

    Backbones return a tuple of stage outputs; the neck pools each and
    returns a tuple. A single tensor gives a single tensor.

    Args:
        dim: spatial dimensions of the input: 1, 2 or 3.

    >>> neck = GlobalAveragePooling()
    >>> [o.shape for o in neck((torch.ones(2, 8, 4, 4), torch.ones(2, 16, 2, 2)))]
    [torch.Size([2, 8]), torch.Size([2, 16])]
    """

    def __init__(self, dim: int = 2) -> None:
        super().__init__()
        if dim not in _POOLS:
            raise ValueError(f"dim must be 1, 2 or 3 (spatial dimensions), got {dim!r}")
        self.dim = dim
        self.gap = _POOLS[dim](1)

    def _pool(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != self.dim + 2:
            raise ValueError(
                f"GlobalAveragePooling(dim={self.dim}) expects inputs of {self.dim + 2} dimensions "
                f"(N, C, {'spatial, ' * self.dim}...), got shape {tuple(x.shape)}"
            )
        return self.gap(x).flatten(1)

    def forward(self, inputs: torch.Tensor | tuple[torch.Tensor, ...]) -> torch.Tensor | tuple[torch.Tensor, ...]:
        if isinstance(inputs, torch.Tensor):
            return self._pool(inputs)
        if isinstance(inputs, (tuple, list)):
            return tuple(self._pool(x) for x in inputs)
        raise TypeError(f"inputs must be a tensor or a tuple of tensors, got {type(inputs).__name__}")

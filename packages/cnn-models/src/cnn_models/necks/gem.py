"""``GeneralizedMeanPooling``: the power mean over positions, between average (p=1) and max (p -> inf)."""

from __future__ import annotations

import torch
from torch import nn

from ..registry import NECKS


@NECKS.register_module()
class GeneralizedMeanPooling(nn.Module):
    """GeM pooling (Radenović et al., 2018): ``mean(clamp(x, eps) ** p) ** (1 / p)`` per channel.

    Args:
        p: the exponent, a learnable parameter initialised to this value, ``>= 1``.
        eps: inputs are clamped to at least ``eps`` so the power is defined.
        clamp: clamp ``p`` to at least 1 in the forward pass.
        p_trainable: learn ``p`` (mmpretrain's default); ``False`` keeps it fixed. Either
            way it stays the parameter ``p`` of the state dict.

    >>> neck = GeneralizedMeanPooling(p=2.0)
    >>> x = torch.tensor([3.0, 4.0, 0.0, 0.0]).reshape(1, 1, 2, 2)
    >>> round(neck(x).item(), 4)  # sqrt((9 + 16) / 4)
    2.5
    >>> GeneralizedMeanPooling(p_trainable=False).p.requires_grad
    False
    """

    def __init__(self, p: float = 3.0, eps: float = 1e-6, clamp: bool = True, p_trainable: bool = True) -> None:
        super().__init__()
        if not isinstance(p, (int, float)) or p < 1:
            raise ValueError(f"p must be a number >= 1, got {p!r}")
        if not isinstance(eps, (int, float)) or eps <= 0:
            raise ValueError(f"eps must be a positive number, got {eps!r}")
        self.p = nn.Parameter(torch.ones(1) * p, requires_grad=bool(p_trainable))
        self.eps = float(eps)
        self.clamp = bool(clamp)

    def _pool(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() < 3:
            raise ValueError(f"GeneralizedMeanPooling expects (N, C, spatial...) inputs, got shape {tuple(x.shape)}")
        p = self.p.clamp(min=1) if self.clamp else self.p
        return x.clamp(min=self.eps).pow(p).flatten(2).mean(dim=2).pow(1.0 / p)

    def forward(self, inputs: torch.Tensor | tuple[torch.Tensor, ...]) -> torch.Tensor | tuple[torch.Tensor, ...]:
        if isinstance(inputs, torch.Tensor):
            return self._pool(inputs)
        if isinstance(inputs, (tuple, list)):
            return tuple(self._pool(x) for x in inputs)
        raise TypeError(f"inputs must be a tensor or a tuple of tensors, got {type(inputs).__name__}")

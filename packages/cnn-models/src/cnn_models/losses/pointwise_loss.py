"""``PointwiseLoss``: the module around an element-wise loss function made by `weighted_loss`."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

import torch
from torch import nn

from .loss_inputs import resolve_reduction
from .weighted_loss import check_reduction


class PointwiseLoss(nn.Module):
    """A loss module over ``function``, a `weighted_loss`-decorated element-wise loss.

    Subclasses set ``function`` and nothing else (`L1Loss`, `MSELoss`).

    Args:
        reduction: ``'none'``, ``'mean'`` or ``'sum'``.
        loss_weight: factor the loss is multiplied by.
    """

    function: ClassVar[Callable[..., torch.Tensor]]

    def __init__(self, reduction: str = "mean", loss_weight: float = 1.0) -> None:
        super().__init__()
        self.reduction = check_reduction(reduction)
        self.loss_weight = float(loss_weight)

    def forward(
        self,
        pred: torch.Tensor,
        target: torch.Tensor,
        weight: torch.Tensor | None = None,
        avg_factor: float | torch.Tensor | None = None,
        reduction_override: str | None = None,
    ) -> torch.Tensor:
        reduction = resolve_reduction(self.reduction, reduction_override)
        loss = type(self).function(pred, target, weight, reduction=reduction, avg_factor=avg_factor)
        return self.loss_weight * loss

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}, loss_weight={self.loss_weight}"

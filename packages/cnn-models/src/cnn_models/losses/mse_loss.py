"""``MSELoss``: mean squared error."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..registry import LOSSES
from .loss_inputs import check_same_shape, resolve_reduction
from .weighted_loss import check_reduction, weighted_loss


@weighted_loss
def mse_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Element-wise ``(pred - target) ** 2``, with the arguments of :func:`weighted_loss`.

    >>> mse_loss(torch.tensor([1.0, 3.0]), torch.tensor([0.0, 0.0]))
    tensor(5.)
    """
    check_same_shape(pred, target)
    return F.mse_loss(pred, target, reduction="none")


@LOSSES.register_module()
class MSELoss(nn.Module):
    """Mean squared error.

    Args:
        reduction: ``'none'``, ``'mean'`` or ``'sum'``.
        loss_weight: factor the loss is multiplied by.

    >>> MSELoss(reduction='sum')(torch.tensor([1.0, 2.0]), torch.tensor([0.0, 0.0]))
    tensor(5.)
    """

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
        return self.loss_weight * mse_loss(pred, target, weight, reduction=reduction, avg_factor=avg_factor)

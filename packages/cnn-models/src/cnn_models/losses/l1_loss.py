"""``L1Loss``: mean absolute error, the example loss of seed 004."""

from __future__ import annotations

import torch
from torch import nn

from ..registry import LOSSES
from .loss_inputs import check_same_shape, resolve_reduction
from .weighted_loss import check_reduction, weighted_loss


@weighted_loss
def l1_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Element-wise ``|pred - target|``, with ``weight``/``reduction``/``avg_factor`` from :func:`weighted_loss`.

    >>> l1_loss(torch.tensor([1.0, -1.0]), torch.tensor([0.0, 0.0]))
    tensor(1.)
    """
    check_same_shape(pred, target)
    return torch.abs(pred - target)


@LOSSES.register_module()
class L1Loss(nn.Module):
    """Mean absolute error.

    Args:
        reduction: ``'none'``, ``'mean'`` or ``'sum'``.
        loss_weight: factor the loss is multiplied by.

    >>> loss = L1Loss(loss_weight=2.0)
    >>> loss(torch.tensor([1.0, 3.0]), torch.tensor([0.0, 0.0]))
    tensor(4.)
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
        return self.loss_weight * l1_loss(pred, target, weight, reduction=reduction, avg_factor=avg_factor)

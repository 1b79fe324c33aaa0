"""``FocalLoss``: sigmoid focal loss (Lin et al., 2017) for imbalanced classes."""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from ..registry import LOSSES
from .loss_inputs import resolve_reduction, sample_weight_for, to_one_hot
from .weighted_loss import check_reduction, weight_reduce_loss


def sigmoid_focal_loss(
    pred: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None = None,
    gamma: float = 2.0,
    alpha: float = 0.25,
    reduction: str = "mean",
    avg_factor: float | torch.Tensor | None = None,
) -> torch.Tensor:
    """``alpha_t * (1 - p_t) ** gamma * BCE(pred, target)`` per element, then weighted and reduced.

    ``p_t`` is the predicted probability of the true value and ``alpha_t`` is
    ``alpha`` for positives and ``1 - alpha`` for negatives.

    >>> pred, target = torch.zeros(1, 1), torch.ones(1, 1)
    >>> round(sigmoid_focal_loss(pred, target).item(), 5)  # 0.25 * 0.5 ** 2 * log 2
    0.04332
    """
    target = to_one_hot(target, pred)
    prob = pred.sigmoid()
    one_minus_pt = (1 - prob) * target + prob * (1 - target)
    focal_weight = (alpha * target + (1 - alpha) * (1 - target)) * one_minus_pt.pow(gamma)
    loss = F.binary_cross_entropy_with_logits(pred, target, reduction="none") * focal_weight
    return weight_reduce_loss(loss, sample_weight_for(loss, weight), reduction, avg_factor)


@LOSSES.register_module()
class FocalLoss(nn.Module):
    """Sigmoid focal loss: down-weights well-classified examples.

    Args:
        gamma: focusing exponent, ``>= 0``; 0 gives the (alpha-weighted) BCE.
        alpha: weight of positives in ``[0, 1]``; negatives get ``1 - alpha``.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``.
        loss_weight: factor the loss is multiplied by.

    >>> loss = FocalLoss(gamma=0.0, alpha=0.5)
    >>> round(loss(torch.zeros(1, 2), torch.tensor([0])).item(), 4)  # 0.5 * log 2
    0.3466
    """

    def __init__(
        self, gamma: float = 2.0, alpha: float = 0.25, reduction: str = "mean", loss_weight: float = 1.0
    ) -> None:
        super().__init__()
        if not isinstance(gamma, (int, float)) or gamma < 0:
            raise ValueError(f"gamma must be a number >= 0, got {gamma!r}")
        if not isinstance(alpha, (int, float)) or not 0.0 <= alpha <= 1.0:
            raise ValueError(f"alpha must be a number in [0, 1], got {alpha!r}")
        self.gamma = float(gamma)
        self.alpha = float(alpha)
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
        loss = sigmoid_focal_loss(pred, target, weight, self.gamma, self.alpha, reduction, avg_factor)
        return self.loss_weight * loss

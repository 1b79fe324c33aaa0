"""``MSELoss``: mean squared error."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..registry import LOSSES
from .loss_inputs import check_same_shape
from .pointwise_loss import PointwiseLoss
from .weighted_loss import weighted_loss


@weighted_loss
def mse_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Element-wise ``(pred - target) ** 2``, with the arguments of `weighted_loss`.

    >>> mse_loss(torch.tensor([1.0, 3.0]), torch.tensor([0.0, 0.0]))
    tensor(5.)
    """
    check_same_shape(pred, target)
    return F.mse_loss(pred, target, reduction="none")


@LOSSES.register_module()
class MSELoss(PointwiseLoss):
    """Mean squared error.

    Args:
        reduction: ``'none'``, ``'mean'`` or ``'sum'``.
        loss_weight: factor the loss is multiplied by.

    >>> MSELoss(reduction='sum')(torch.tensor([1.0, 2.0]), torch.tensor([0.0, 0.0]))
    tensor(5.)
    """

    function = staticmethod(mse_loss)

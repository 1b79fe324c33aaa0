"""``L1Loss``: mean absolute error, the example loss of mmcls's guide to adding a loss."""

from __future__ import annotations

import torch

from ..registry import LOSSES
from .loss_inputs import check_same_shape
from .pointwise_loss import PointwiseLoss
from .weighted_loss import weighted_loss


@weighted_loss
def l1_loss(pred: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Element-wise ``|pred - target|``, with ``weight``/``reduction``/``avg_factor`` from `weighted_loss`.

    >>> l1_loss(torch.tensor([1.0, -1.0]), torch.tensor([0.0, 0.0]))
    tensor(1.)
    """
    check_same_shape(pred, target)
    return torch.abs(pred - target)


@LOSSES.register_module()
class L1Loss(PointwiseLoss):
    """Mean absolute error.

    Args:
        reduction: ``'none'``, ``'mean'`` or ``'sum'``.
        loss_weight: factor the loss is multiplied by.

    >>> loss = L1Loss(loss_weight=2.0)
    >>> loss(torch.tensor([1.0, 3.0]), torch.tensor([0.0, 0.0]))
    tensor(4.)
    """

    function = staticmethod(l1_loss)

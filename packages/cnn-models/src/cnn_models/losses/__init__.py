"""Losses: element-wise functions made weightable by `weighted_loss`, and their modules."""

from .cross_entropy_loss import CrossEntropyLoss, binary_cross_entropy, cross_entropy
from .focal_loss import FocalLoss, sigmoid_focal_loss
from .l1_loss import L1Loss, l1_loss
from .label_smooth_loss import LabelSmoothLoss
from .mse_loss import MSELoss, mse_loss
from .weighted_loss import reduce_loss, weight_reduce_loss, weighted_loss

__all__ = [
    "CrossEntropyLoss",
    "FocalLoss",
    "L1Loss",
    "LabelSmoothLoss",
    "MSELoss",
    "binary_cross_entropy",
    "cross_entropy",
    "l1_loss",
    "mse_loss",
    "reduce_loss",
    "sigmoid_focal_loss",
    "weight_reduce_loss",
    "weighted_loss",
]

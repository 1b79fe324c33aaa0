"""``LabelSmoothLoss``: cross entropy against smoothed labels, as mmpretrain's."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn

from ..registry import LOSSES
from .cross_entropy_loss import CrossEntropyLoss
from .loss_inputs import to_one_hot

MODES = ("original", "classy_vision", "multi_label")


@LOSSES.register_module()
class LabelSmoothLoss(nn.Module):
    """Smooth the (one-hot) labels by ``label_smooth_val``, then take the cross entropy.

    Modes, with ``e = label_smooth_val`` and ``C`` classes:

    - ``'original'``: ``(1 - e) * one_hot + e / C``, softmax cross entropy;
    - ``'classy_vision'``: the same with ``e / (1 + e)`` in place of ``e``;
    - ``'multi_label'``: positives ``1 - e``, negatives ``e``, sigmoid cross entropy.

    Args:
        label_smooth_val: ``e`` in ``[0, 1)``.
        num_classes: checked against the scores when given.
        use_sigmoid: sigmoid instead of softmax (default: only in ``'multi_label'``).
        mode: one of the modes above.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``.
        loss_weight: factor the loss is multiplied by.
        class_weight: one factor per class.
        pos_weight: with the sigmoid, the weight of positives per class.

    >>> loss = LabelSmoothLoss(label_smooth_val=0.1)
    >>> round(loss(torch.zeros(1, 2), torch.tensor([0])).item(), 4)  # log 2 whatever the smoothing
    0.6931
    >>> loss.smooth_label(torch.tensor([[1.0, 0.0]]))
    tensor([[0.9500, 0.0500]])
    """

    def __init__(
        self,
        label_smooth_val: float,
        num_classes: int | None = None,
        use_sigmoid: bool | None = None,
        mode: str = "original",
        reduction: str = "mean",
        loss_weight: float = 1.0,
        class_weight: Sequence[float] | None = None,
        pos_weight: Sequence[float] | None = None,
    ) -> None:
        super().__init__()
        if isinstance(label_smooth_val, bool) or not isinstance(label_smooth_val, (int, float)):
            raise TypeError(f"label_smooth_val must be a number in [0, 1), got {label_smooth_val!r}")
        if not 0.0 <= label_smooth_val < 1.0:
            raise ValueError(f"label_smooth_val must be in [0, 1), got {label_smooth_val!r}")
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if num_classes is not None and (
            isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes <= 0
        ):
            raise ValueError(f"num_classes must be a positive int or None, got {num_classes!r}")
        self.label_smooth_val = float(label_smooth_val)
        self.num_classes = num_classes
        self.mode = mode
        self.loss_weight = float(loss_weight)
        self._eps = (
            self.label_smooth_val / (1 + self.label_smooth_val) if mode == "classy_vision" else self.label_smooth_val
        )
        sigmoid = (mode == "multi_label") if use_sigmoid is None else bool(use_sigmoid)
        self.ce = CrossEntropyLoss(
            use_sigmoid=sigmoid,
            use_soft=not sigmoid,
            reduction=reduction,
            class_weight=class_weight,
            pos_weight=pos_weight,
        )

    def smooth_label(self, one_hot: torch.Tensor) -> torch.Tensor:
        """The smoothed version of one-hot (or multi-hot) float labels."""
        if self.mode == "multi_label":
            return torch.where(one_hot > 0, 1.0 - self._eps, self._eps).to(one_hot.dtype)
        return one_hot * (1.0 - self._eps) + self._eps / one_hot.size(-1)

    def forward(
        self,
        cls_score: torch.Tensor,
        label: torch.Tensor,
        weight: torch.Tensor | None = None,
        avg_factor: float | torch.Tensor | None = None,
        reduction_override: str | None = None,
    ) -> torch.Tensor:
        if cls_score.dim() != 2:
            raise ValueError(f"cls_score must have shape (N, num_classes), got {tuple(cls_score.shape)}")
        if self.num_classes is not None and cls_score.size(1) != self.num_classes:
            raise ValueError(f"num_classes={self.num_classes} but cls_score has {cls_score.size(1)} classes")
        one_hot = to_one_hot(label, cls_score).float()
        smoothed = self.smooth_label(one_hot).to(cls_score.dtype)
        return self.loss_weight * self.ce(cls_score, smoothed, weight, avg_factor, reduction_override)

"""``CrossEntropyLoss``: softmax or sigmoid cross entropy with hard or soft labels."""

from __future__ import annotations

from collections.abc import Sequence

import torch
import torch.nn.functional as F
from torch import nn

from ..registry import LOSSES
from .loss_inputs import check_class_indices, resolve_reduction, sample_weight_for, to_one_hot
from .weighted_loss import check_reduction, weight_reduce_loss


def _class_vector(values: Sequence[float] | None, argument: str) -> torch.Tensor | None:
    if values is None:
        return None
    if isinstance(values, torch.Tensor):
        values = values.tolist()
    if isinstance(values, str) or not isinstance(values, Sequence) or not values:
        raise TypeError(f"{argument} must be a non-empty sequence of floats (one per class) or None, got {values!r}")
    try:
        return torch.tensor([float(v) for v in values])
    except (TypeError, ValueError):
        raise TypeError(f"{argument} must hold numbers, got {values!r}") from None


def _check_class_count(vector: torch.Tensor | None, pred: torch.Tensor, argument: str) -> None:
    if vector is not None and vector.numel() != pred.size(1):
        raise ValueError(f"{argument} has {vector.numel()} values but pred has {pred.size(1)} classes")


def cross_entropy(
    pred: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None = None,
    reduction: str = "mean",
    avg_factor: float | torch.Tensor | None = None,
    class_weight: torch.Tensor | None = None,
    label_smoothing: float = 0.0,
) -> torch.Tensor:
    """Softmax cross entropy per sample, then weighted and reduced.

    ``target`` is either class indices of shape ``(N,)`` or class
    probabilities of ``pred``'s shape (soft labels). ``class_weight``
    scales each class's term; the ``'mean'`` reduction then averages over
    samples (not over the sum of class weights as ``torch`` does).

    >>> pred = torch.tensor([[0.0, 0.0]])
    >>> round(cross_entropy(pred, torch.tensor([1])).item(), 4)  # log 2
    0.6931
    """
    if pred.dim() < 2:
        raise ValueError(f"pred must have shape (N, C, ...), got {tuple(pred.shape)}")
    if target.is_floating_point():
        if target.shape != pred.shape:
            raise ValueError(
                f"soft labels must have pred's shape {tuple(pred.shape)}, got target {tuple(target.shape)}"
            )
    elif target.shape != pred.shape[:1] + pred.shape[2:]:
        raise ValueError(
            f"class-index target must have shape {tuple(pred.shape[:1] + pred.shape[2:])} for pred "
            f"{tuple(pred.shape)}, got {tuple(target.shape)}"
        )
    else:
        check_class_indices(target, pred.size(1))
    _check_class_count(class_weight, pred, "class_weight")
    loss = F.cross_entropy(pred, target, weight=class_weight, reduction="none", label_smoothing=label_smoothing)
    return weight_reduce_loss(loss, sample_weight_for(loss, weight), reduction, avg_factor)


def binary_cross_entropy(
    pred: torch.Tensor,
    target: torch.Tensor,
    weight: torch.Tensor | None = None,
    reduction: str = "mean",
    avg_factor: float | torch.Tensor | None = None,
    class_weight: torch.Tensor | None = None,
    pos_weight: torch.Tensor | None = None,
    label_smoothing: float = 0.0,
) -> torch.Tensor:
    """Sigmoid cross entropy per class, then weighted and reduced.

    ``target`` is multi-hot (or probabilities) of ``pred``'s shape, or class
    indices ``(N,)`` that become one-hot. With ``label_smoothing`` the
    positives become ``1 - label_smoothing`` and the negatives ``label_smoothing``.

    >>> pred = torch.zeros(1, 2)
    >>> round(binary_cross_entropy(pred, torch.tensor([[1.0, 0.0]])).item(), 4)  # log 2
    0.6931
    """
    if pred.dim() != 2:
        raise ValueError(f"pred must have shape (N, C) for the sigmoid cross entropy, got {tuple(pred.shape)}")
    target = to_one_hot(target, pred)
    if label_smoothing:
        target = target * (1.0 - label_smoothing) + (1.0 - target) * label_smoothing
    _check_class_count(class_weight, pred, "class_weight")
    _check_class_count(pos_weight, pred, "pos_weight")
    loss = F.binary_cross_entropy_with_logits(
        pred, target, weight=class_weight, pos_weight=pos_weight, reduction="none"
    )
    return weight_reduce_loss(loss, sample_weight_for(loss, weight), reduction, avg_factor)


@LOSSES.register_module()
class CrossEntropyLoss(nn.Module):
    """Cross entropy for classification, the default loss of every head.

    Args:
        use_sigmoid: one sigmoid per class (multi-label) instead of a softmax.
        use_soft: require soft labels (class probabilities); soft labels are
            also accepted without it whenever the target is a float tensor.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``.
        loss_weight: factor the loss is multiplied by.
        class_weight: one factor per class.
        pos_weight: with ``use_sigmoid``, the weight of positives per class.
        label_smoothing: in ``[0, 1)``; softmax targets become
            ``(1 - ls) * one_hot + ls / C``.

    >>> loss = CrossEntropyLoss(loss_weight=0.5)
    >>> round(loss(torch.zeros(4, 2), torch.tensor([0, 1, 0, 1])).item(), 4)  # 0.5 * log 2
    0.3466
    """

    def __init__(
        self,
        use_sigmoid: bool = False,
        use_soft: bool = False,
        reduction: str = "mean",
        loss_weight: float = 1.0,
        class_weight: Sequence[float] | None = None,
        pos_weight: Sequence[float] | None = None,
        label_smoothing: float = 0.0,
    ) -> None:
        super().__init__()
        if use_sigmoid and use_soft:
            raise ValueError("use_sigmoid=True and use_soft=True cannot be combined; choose one")
        if pos_weight is not None and not use_sigmoid:
            raise ValueError(f"pos_weight={pos_weight!r} needs use_sigmoid=True")
        if not isinstance(label_smoothing, (int, float)) or not 0.0 <= label_smoothing < 1.0:
            raise ValueError(f"label_smoothing must be a number in [0, 1), got {label_smoothing!r}")
        self.use_sigmoid = bool(use_sigmoid)
        self.use_soft = bool(use_soft)
        self.reduction = check_reduction(reduction)
        self.loss_weight = float(loss_weight)
        # buffers (not saved in the state dict): they follow .to(device) and are not rebuilt on every call
        self.class_weight: torch.Tensor | None
        self.pos_weight: torch.Tensor | None
        self.register_buffer("class_weight", _class_vector(class_weight, "class_weight"), persistent=False)
        self.register_buffer("pos_weight", _class_vector(pos_weight, "pos_weight"), persistent=False)
        self.label_smoothing = float(label_smoothing)

    def forward(
        self,
        cls_score: torch.Tensor,
        label: torch.Tensor,
        weight: torch.Tensor | None = None,
        avg_factor: float | torch.Tensor | None = None,
        reduction_override: str | None = None,
    ) -> torch.Tensor:
        reduction = resolve_reduction(self.reduction, reduction_override)
        class_weight = None if self.class_weight is None else self.class_weight.to(cls_score.dtype)
        if self.use_soft and not label.is_floating_point():
            raise ValueError(f"use_soft=True expects float class probabilities as label, got dtype {label.dtype}")
        if self.use_sigmoid:
            pos_weight = None if self.pos_weight is None else self.pos_weight.to(cls_score.dtype)
            loss = binary_cross_entropy(
                cls_score, label, weight, reduction, avg_factor, class_weight, pos_weight, self.label_smoothing
            )
        else:
            loss = cross_entropy(cls_score, label, weight, reduction, avg_factor, class_weight, self.label_smoothing)
        return self.loss_weight * loss

    def extra_repr(self) -> str:
        return f"use_sigmoid={self.use_sigmoid}, reduction={self.reduction!r}, loss_weight={self.loss_weight}"

"""Checks shared by the losses: shapes, reductions and label formats."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from .weighted_loss import check_reduction


def check_same_shape(pred: torch.Tensor, target: torch.Tensor) -> None:
    """Raise ValueError unless ``pred`` and ``target`` have the same non-empty shape.

    >>> check_same_shape(torch.zeros(2, 3), torch.ones(2, 3))
    """
    if pred.shape != target.shape:
        raise ValueError(
            f"pred and target must have the same shape, got pred {tuple(pred.shape)} and target {tuple(target.shape)}"
        )
    if target.numel() == 0:
        raise ValueError("target must not be empty")


def resolve_reduction(default: str, reduction_override: str | None) -> str:
    """The reduction to use: ``reduction_override`` if given, else ``default``.

    >>> resolve_reduction('mean', None), resolve_reduction('mean', 'sum')
    ('mean', 'sum')
    """
    if reduction_override is None:
        return default
    return check_reduction(reduction_override, "reduction_override")


def check_class_indices(target: torch.Tensor, num_classes: int) -> None:
    """Raise ValueError if a class index of ``target`` is outside ``[0, num_classes)``, where that is free.

    Reading the minimum and maximum of a CPU tensor costs nothing; on an
    accelerator it would wait for the device (a host sync on every step) and
    under ``torch.compile`` it would break the graph. There torch's own
    kernels check the indices, so this check only runs on CPU tensors in eager mode.

    >>> check_class_indices(torch.tensor([0, 3]), 3)
    Traceback (most recent call last):
    ...
    ValueError: target holds class indices outside [0, 3): min 0, max 3
    """
    if target.device.type != "cpu" or torch.compiler.is_compiling() or not target.numel():
        return
    low, high = int(target.min()), int(target.max())
    if low < 0 or high >= num_classes:
        raise ValueError(f"target holds class indices outside [0, {num_classes}): min {low}, max {high}")


def check_whole_numbers(target: torch.Tensor) -> None:
    """Raise ValueError if a floating-point ``target`` of class indices holds a value that is not a whole number.

    Skipped under ``torch.compile`` (reading the values would break the graph).

    >>> check_whole_numbers(torch.tensor([0.0, 2.0]))
    >>> check_whole_numbers(torch.tensor([0.0, 1.5]))
    Traceback (most recent call last):
    ...
    ValueError: target of shape (2,) is read as class indices, but holds 1.5, not a whole number
    """
    if not target.is_floating_point() or torch.compiler.is_compiling() or not target.numel():
        return
    bad = target[target != target.round()]  # NaN is never equal to itself, so it is caught too
    if bad.numel():
        raise ValueError(
            f"target of shape {tuple(target.shape)} is read as class indices, but holds {bad[0].item()}, "
            "not a whole number"
        )


def to_one_hot(target: torch.Tensor, pred: torch.Tensor) -> torch.Tensor:
    """Class indices ``(N,)`` or ``(N, 1)`` become one-hot ``(N, C)`` in ``pred``'s dtype; others pass through.

    Class indices are recognised by shape, whatever their dtype (as mmpretrain's losses do): a float
    ``torch.Tensor([2, 0])`` is read as classes 2 and 0, and values that are not whole numbers are an error.

    >>> to_one_hot(torch.tensor([2, 0]), torch.zeros(2, 3))
    tensor([[0., 0., 1.],
            [1., 0., 0.]])
    >>> to_one_hot(torch.Tensor([1]), torch.zeros(1, 2))
    tensor([[0., 1.]])
    """
    if pred.dim() == 2 and target.shape == (pred.size(0), 1) != pred.shape:
        target = target.reshape(-1)  # (N, 1) class indices, as mmpretrain's losses accept
    if target.dim() == pred.dim() - 1 and target.shape == pred.shape[:-1]:
        num_classes = pred.size(-1)
        check_whole_numbers(target)
        check_class_indices(target, num_classes)
        return F.one_hot(target.long(), num_classes).to(pred.dtype)
    check_same_shape(pred, target)
    return target.to(pred.dtype)


def sample_weight_for(loss: torch.Tensor, weight: torch.Tensor | None) -> torch.Tensor | None:
    """A per-sample ``weight`` of shape ``(N,)`` reshaped to ``(N, 1)`` so it scales every class of ``loss``.

    >>> sample_weight_for(torch.zeros(2, 3), torch.tensor([1.0, 2.0])).shape
    torch.Size([2, 1])
    """
    if weight is None:
        return None
    if not isinstance(weight, torch.Tensor):
        raise TypeError(f"weight must be a tensor or None, got {type(weight).__name__}: {weight!r}")
    if weight.dim() == 1 and loss.dim() > 1:
        if weight.numel() != loss.size(0):
            raise ValueError(
                f"weight of shape {tuple(weight.shape)} must have one value per sample ({loss.size(0)}) "
                f"or the loss's shape {tuple(loss.shape)}"
            )
        return weight.float().reshape(-1, *([1] * (loss.dim() - 1)))
    return weight.float()

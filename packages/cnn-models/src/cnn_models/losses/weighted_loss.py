"""``weighted_loss``: turn an element-wise loss into one with weights and reductions.

mmcls's guide to adding a loss writes it as a function returning one value per element and
decorates it; the decorator adds the ``weight``, ``reduction`` and
``avg_factor`` arguments every loss in this package understands.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import torch

REDUCTIONS = ("none", "mean", "sum")


def check_reduction(reduction: object, argument: str = "reduction") -> str:
    """Return ``reduction`` if it is one of ``'none'``, ``'mean'``, ``'sum'``, else raise ValueError.

    >>> check_reduction('sum')
    'sum'
    """
    if reduction not in REDUCTIONS:
        raise ValueError(f"{argument} must be one of {REDUCTIONS}, got {reduction!r}")
    return str(reduction)


def reduce_loss(loss: torch.Tensor, reduction: str) -> torch.Tensor:
    """Reduce an element-wise loss with ``'none'``, ``'mean'`` or ``'sum'``.

    >>> reduce_loss(torch.tensor([1.0, 2.0, 6.0]), 'mean')
    tensor(3.)
    """
    reduction = check_reduction(reduction)
    if reduction == "mean":
        return loss.mean()
    if reduction == "sum":
        return loss.sum()
    return loss


def weight_reduce_loss(
    loss: torch.Tensor,
    weight: torch.Tensor | None = None,
    reduction: str = "mean",
    avg_factor: float | torch.Tensor | None = None,
) -> torch.Tensor:
    """Multiply ``loss`` by ``weight`` element-wise, then reduce it.

    With ``avg_factor`` the ``'mean'`` reduction divides the weighted sum by
    ``avg_factor`` instead of the number of elements (e.g. the number of
    positive samples); ``'none'`` ignores it and ``'sum'`` rejects it.

    Args:
        loss: the element-wise loss.
        weight: broadcastable to ``loss``; ``None`` means all ones.
        reduction: ``'none'``, ``'mean'`` or ``'sum'``.
        avg_factor: the divisor of the ``'mean'`` reduction.

    >>> loss = torch.tensor([1.0, 2.0, 3.0])
    >>> weight_reduce_loss(loss, torch.tensor([1.0, 0.0, 1.0]), 'mean', avg_factor=2)
    tensor(2.)
    """
    reduction = check_reduction(reduction)
    if weight is not None:
        if not isinstance(weight, torch.Tensor):
            raise TypeError(f"weight must be a tensor or None, got {type(weight).__name__}: {weight!r}")
        try:
            torch.broadcast_shapes(weight.shape, loss.shape)
        except RuntimeError:
            raise ValueError(
                f"weight of shape {tuple(weight.shape)} does not broadcast to the loss of shape {tuple(loss.shape)}"
            ) from None
        loss = loss * weight.to(loss.dtype)
    if avg_factor is None:
        return reduce_loss(loss, reduction)
    if reduction == "mean":
        return loss.sum() / avg_factor
    if reduction == "sum":
        raise ValueError(f"avg_factor={avg_factor!r} cannot be used with reduction='sum'; use 'mean' or 'none'")
    return loss


def weighted_loss(loss_func: Callable[..., torch.Tensor]) -> Callable[..., torch.Tensor]:
    """Decorate ``loss_func(pred, target, **kwargs)`` returning an element-wise loss.

    The decorated function takes ``(pred, target, weight=None, reduction='mean',
    avg_factor=None, **kwargs)``, see `weight_reduce_loss`.

    >>> @weighted_loss
    ... def l1(pred, target):
    ...     return (pred - target).abs()
    >>> pred, target = torch.tensor([0.0, 2.0, 4.0]), torch.zeros(3)
    >>> l1(pred, target)
    tensor(2.)
    >>> l1(pred, target, weight=torch.tensor([1.0, 1.0, 0.0]), reduction='sum')
    tensor(2.)
    >>> l1(pred, target, reduction='none')
    tensor([0., 2., 4.])
    """

    @functools.wraps(loss_func)
    def wrapper(
        pred: torch.Tensor,
        target: torch.Tensor,
        weight: torch.Tensor | None = None,
        reduction: str = "mean",
        avg_factor: float | torch.Tensor | None = None,
        **kwargs: Any,
    ) -> torch.Tensor:
        loss = loss_func(pred, target, **kwargs)
        return weight_reduce_loss(loss, weight, reduction, avg_factor)

    return wrapper

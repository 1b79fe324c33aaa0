"""``topk_accuracy``: the share of samples whose true class is among the k best scores."""

from __future__ import annotations

from collections.abc import Sequence

import torch


def check_topk(topk: int | Sequence[int]) -> tuple[int, ...]:
    """Normalise ``topk`` to a tuple of positive ints, or raise.

    >>> check_topk(5), check_topk([1, 5])
    ((5,), (1, 5))
    """
    values = (topk,) if isinstance(topk, int) else topk
    if isinstance(values, str) or not isinstance(values, Sequence) or not values:
        raise TypeError(f"topk must be a positive int or a non-empty sequence of them, got {topk!r}")
    if any(isinstance(k, bool) or not isinstance(k, int) or k < 1 for k in values):
        raise ValueError(f"topk must hold positive ints, got {topk!r}")
    return tuple(values)


def topk_accuracy(pred: torch.Tensor, target: torch.Tensor, topk: int | Sequence[int] = (1,)) -> list[torch.Tensor]:
    """Top-k accuracy in percent, one scalar tensor per ``k``.

    Args:
        pred: scores of shape ``(N, C)``.
        target: class indices ``(N,)``, or soft labels ``(N, C)`` whose argmax is the class.
        topk: the k values.

    >>> scores = torch.tensor([[0.1, 0.7, 0.2], [0.5, 0.2, 0.3]])
    >>> [a.item() for a in topk_accuracy(scores, torch.tensor([2, 0]), topk=(1, 2))]
    [50.0, 100.0]
    """
    ks = check_topk(topk)
    if pred.dim() != 2:
        raise ValueError(f"pred must have shape (N, C), got {tuple(pred.shape)}")
    if target.dim() == 2 and target.shape == pred.shape:
        target = target.argmax(dim=1)
    if target.shape != pred.shape[:1]:
        raise ValueError(
            f"target must have shape ({pred.size(0)},) for pred {tuple(pred.shape)}, got {tuple(target.shape)}"
        )
    if max(ks) > pred.size(1):
        raise ValueError(f"topk={ks} asks for more classes than pred has ({pred.size(1)})")
    if pred.size(0) == 0:
        return [pred.new_zeros(()) for _ in ks]
    best = pred.topk(max(ks), dim=1).indices
    hits = best == target.reshape(-1, 1)
    return [hits[:, :k].any(dim=1).float().mean() * 100.0 for k in ks]

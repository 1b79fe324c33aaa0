"""Checks of the sizes heads are given: class counts, widths and top-k."""

from __future__ import annotations


def check_class_count(value: object, argument: str) -> int:
    """Return ``value`` if it is a positive int, else raise naming ``argument``.

    >>> check_class_count(10, 'num_classes')
    10
    """
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{argument} must be a positive int, got {type(value).__name__}: {value!r}")
    if value <= 0:
        raise ValueError(f"{argument}={value} must be a positive integer")
    return value


def check_topk_fits(topk: tuple[int, ...], num_classes: int) -> None:
    """Raise ValueError if a k of ``topk`` exceeds ``num_classes``.

    >>> check_topk_fits((1, 5), 10)
    """
    if max(topk) > num_classes:
        raise ValueError(f"topk={topk} asks for more classes than num_classes={num_classes}")

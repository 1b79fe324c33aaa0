"""``make_divisible``: round a channel count to a multiple of a divisor."""

from __future__ import annotations


def make_divisible(value: float, divisor: int = 8, min_value: int | None = None, min_ratio: float = 0.9) -> int:
    """The multiple of ``divisor`` nearest ``value``, never below ``min_ratio * value``.

    The rounding of MobileNet and GhostNet channel counts: hardware likes
    multiples of 4 or 8, and rounding down by more than 10% would lose capacity.

    Args:
        value: the channel count to round.
        divisor: the result is a multiple of it.
        min_value: the smallest result allowed; defaults to ``divisor``.
        min_ratio: the result is at least ``min_ratio * value``.

    >>> make_divisible(30, 8), make_divisible(10, 8), make_divisible(16 * 0.25, 4)
    (32, 16, 4)
    """
    if isinstance(divisor, bool) or not isinstance(divisor, int) or divisor <= 0:
        raise ValueError(f"make_divisible: divisor must be a positive int, got {divisor!r}")
    if not 0 < min_ratio <= 1:
        raise ValueError(f"make_divisible: min_ratio must be in (0, 1], got {min_ratio!r}")
    lowest = divisor if min_value is None else min_value
    rounded = max(lowest, int(value + divisor / 2) // divisor * divisor)
    if rounded < min_ratio * value:
        rounded += divisor
    return rounded

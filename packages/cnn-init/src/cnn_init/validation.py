"""Argument checks shared by the init functions and initializers.

Every check raises ``TypeError`` or ``ValueError`` naming the argument, the
value it got and what it expected.
"""

from __future__ import annotations

import math
from collections.abc import Collection
from typing import Any

from torch import nn


def check_module(module: Any, func: str) -> nn.Module:
    """``module`` itself, after checking that it is an ``nn.Module``."""
    if not isinstance(module, nn.Module):
        raise TypeError(f"{func}: module must be a torch.nn.Module, got {type(module).__name__}: {module!r}")
    return module


def check_number(value: Any, name: str, func: str, *, minimum: float | None = None, strict: bool = False) -> float:
    """``value`` as a float, after checking that it is a finite real number (``>= minimum``, or ``>`` if strict)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{func}: {name} must be a real number, got {type(value).__name__}: {value!r}")
    number = float(value)
    if not math.isfinite(number):
        raise ValueError(f"{func}: {name} must be finite, got {value!r}")
    if minimum is not None and (number < minimum or (strict and number == minimum)):
        relation = ">" if strict else ">="
        raise ValueError(f"{func}: {name} must be {relation} {minimum:g}, got {value!r}")
    return number


def check_choice(value: Any, name: str, func: str, choices: Collection[str]) -> str:
    """``value`` itself, after checking that it is one of ``choices``."""
    if not isinstance(value, str) or value not in choices:
        expected = ", ".join(repr(c) for c in choices)
        raise ValueError(f"{func}: {name} must be one of {expected}, got {value!r}")
    return value


def check_bounds(a: Any, b: Any, func: str, *, strict: bool) -> tuple[float, float]:
    """``(a, b)`` as floats, after checking that they are numbers with ``a < b`` (strict) or ``a <= b``."""
    a = check_number(a, "a", func)
    b = check_number(b, "b", func)
    if strict and not a < b:
        raise ValueError(f"{func}: the lower bound a must be smaller than the upper bound b, got a={a!r}, b={b!r}")
    if a > b:
        raise ValueError(f"{func}: the lower bound a must not exceed the upper bound b, got a={a!r}, b={b!r}")
    return a, b

"""Access to a module's ``weight`` and ``bias``, which many modules lack."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn


def weight_of(module: nn.Module) -> torch.Tensor | None:
    """The module's ``weight`` tensor, or ``None`` if it has none (``nn.ReLU``, ``affine=False`` norms)."""
    weight = getattr(module, "weight", None)
    return weight if isinstance(weight, torch.Tensor) else None


def bias_of(module: nn.Module) -> torch.Tensor | None:
    """The module's ``bias`` tensor, or ``None`` if it has none (``bias=False`` convolutions)."""
    bias = getattr(module, "bias", None)
    return bias if isinstance(bias, torch.Tensor) else None


def fill_bias(module: nn.Module, value: float) -> None:
    """Set every element of the module's bias to ``value``; a module without bias is left alone."""
    bias = bias_of(module)
    if bias is not None:
        nn.init.constant_(bias, value)


def matrix_weight_of(module: nn.Module, func: str) -> torch.Tensor | None:
    """The module's weight if it has at least two dimensions, as fan-based schemes need.

    Raises ``ValueError`` for a 1-D weight (a normalisation layer's scale), whose
    fan-in and fan-out are undefined.
    """
    weight = weight_of(module)
    if weight is not None and weight.dim() < 2:
        raise ValueError(
            f"{func}: module {type(module).__name__} has a weight of shape {tuple(weight.shape)}; "
            "fan-in and fan-out need a weight with at least 2 dimensions (a conv or linear layer)"
        )
    return weight


def init_weight_and_bias(
    module: nn.Module, fill_weight: Callable[[torch.Tensor], Any], bias: float, *, fan_based: str | None = None
) -> None:
    """Fill the module's weight with ``fill_weight`` and set its bias to ``bias``; what it lacks is skipped.

    Every ``*_init`` function ends here. ``fan_based`` names the calling function
    of a fan-based scheme, whose weight must have at least two dimensions.

    >>> conv = nn.Conv2d(2, 2, 1)
    >>> init_weight_and_bias(conv, lambda w: nn.init.constant_(w, 3.0), bias=1.0)
    >>> conv.weight.unique().tolist(), conv.bias.tolist()
    ([3.0], [1.0, 1.0])
    """
    weight = weight_of(module) if fan_based is None else matrix_weight_of(module, fan_based)
    if weight is not None:
        fill_weight(weight)
    fill_bias(module, bias)

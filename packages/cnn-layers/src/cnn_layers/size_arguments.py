"""Checks of the size arguments a builder passes to a layer: channels, groups, kernel sizes, ``eps``.

Torch reports a negative channel count as a tensor-shape error, a string as a
string-formatting error and ``num_groups=0`` as a division by zero, and accepts
0 channels or a negative ``eps``. The builders check these arguments once, at
construction, and raise a ``TypeError`` or ``ValueError`` naming the argument;
nothing is checked in ``forward``.
"""

from __future__ import annotations

import inspect
import math
import numbers
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

#: Arguments that must be a positive int.
POSITIVE_INTS = ("in_channels", "out_channels", "num_features", "num_channels", "num_groups", "groups")
#: Arguments that must be a positive int or a sequence of positive ints.
POSITIVE_SIZES = ("kernel_size", "stride", "dilation")
#: Arguments that must be a number of at least 0.
NON_NEGATIVE_NUMBERS = ("eps",)


def check_positive_int(owner: str, name: str, value: Any) -> int:
    """``value`` if it is a positive int, else a ``TypeError`` or ``ValueError`` naming ``name``.

    >>> check_positive_int('ConvModule', 'in_channels', 3)
    3
    >>> check_positive_int('ConvModule', 'in_channels', '3')
    Traceback (most recent call last):
    ...
    TypeError: ConvModule: in_channels must be a positive int, got str: '3'
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{owner}: {name} must be a positive int, got {type(value).__name__}: {value!r}")
    if value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive int, got {value!r}")
    return int(value)


def _check_size(owner: str, name: str, value: Any) -> None:
    if isinstance(value, Sequence) and not isinstance(value, str):
        for item in value:
            if isinstance(item, bool) or not isinstance(item, numbers.Integral) or item <= 0:
                raise (ValueError if isinstance(item, numbers.Integral) else TypeError)(
                    f"{owner}: {name} must be a positive int or a tuple of them, got {value!r}"
                )
        return
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{owner}: {name} must be a positive int or a tuple of them, got {type(value).__name__}: {value!r}"
        )
    if value <= 0:
        raise ValueError(f"{owner}: {name} must be a positive int or a tuple of them, got {value!r}")


def _check_non_negative(owner: str, name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a number >= 0, got {type(value).__name__}: {value!r}")
    if not float(value) >= 0 or math.isinf(value):  # also refuses nan
        raise ValueError(f"{owner}: {name} must be a finite number >= 0, got {value!r}")


def check_size_arguments(owner: str, layer_cls: Any, args: Sequence[Any], kwargs: Mapping[str, Any]) -> None:
    """Check the size arguments of the call ``layer_cls(*args, **kwargs)`` before it is made.

    Arguments are matched to names through the constructor's signature; a call
    that does not fit it is left for the constructor to refuse.

    >>> from torch import nn
    >>> check_size_arguments('build_norm_layer', nn.GroupNorm, (), dict(num_groups=0, num_channels=8))
    Traceback (most recent call last):
    ...
    ValueError: build_norm_layer: num_groups must be a positive int, got 0
    """
    signature = _signature(layer_cls)
    if signature is None:
        return
    try:
        bound = signature.bind_partial(*args, **kwargs).arguments
    except (TypeError, ValueError):
        return
    for name in POSITIVE_INTS:
        if name in bound:
            check_positive_int(owner, name, bound[name])
    for name in POSITIVE_SIZES:
        if name in bound:
            _check_size(owner, name, bound[name])
    for name in NON_NEGATIVE_NUMBERS:
        if name in bound:
            _check_non_negative(owner, name, bound[name])


_SIGNATURES: weakref.WeakKeyDictionary[Any, inspect.Signature | None] = weakref.WeakKeyDictionary()


def _signature(layer_cls: Any) -> inspect.Signature | None:
    """The signature of ``layer_cls``, or ``None`` if it has none; read once per class (builders call it per layer)."""
    try:
        return _SIGNATURES[layer_cls]
    except (KeyError, TypeError):  # TypeError: not weakly referenceable (or unhashable), so not cached
        pass
    try:
        signature: inspect.Signature | None = inspect.signature(layer_cls)
    except (TypeError, ValueError):
        signature = None
    if isinstance(layer_cls, type):  # a class's constructor signature is fixed once it is defined
        _SIGNATURES[layer_cls] = signature
    return signature


def check_built_layer(
    builder: str, layer_cls: Any, cfg: Mapping[str, Any], args: Sequence[Any], kwargs: Mapping[str, Any]
) -> None:
    """`check_size_arguments` for a builder's call: the cfg's options (all but ``type``) beside ``kwargs``."""
    options = {key: value for key, value in cfg.items() if key != "type"}
    if options.keys() & kwargs.keys():
        return  # the registry refuses an argument given twice, with its own message
    check_size_arguments(builder, layer_cls, args, {**options, **kwargs})

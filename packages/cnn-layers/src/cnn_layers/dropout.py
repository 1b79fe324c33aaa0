"""``Dropout`` with OpenMMLab's argument name, and ``build_dropout``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import nn

from .build_errors import check_cfg, naming_builder
from .registry import DROPOUT_LAYERS


@DROPOUT_LAYERS.register_module()
class Dropout(nn.Dropout):
    """``nn.Dropout`` whose probability is called ``drop_prob``, like ``DropPath``'s.

    Args:
        drop_prob: the probability of zeroing an element.
        inplace: zero in place.

    >>> Dropout(0.3)
    Dropout(p=0.3, inplace=False)
    """

    def __init__(self, drop_prob: float = 0.5, inplace: bool = False):
        super().__init__(p=drop_prob, inplace=inplace)


def build_dropout(cfg: Mapping[str, Any], default_args: Mapping[str, Any] | None = None) -> nn.Module:
    """Build a drop layer (``Dropout``, ``DropPath`` or a registered one) from ``cfg``.

    Args:
        cfg: ``dict(type=<name in DROPOUT_LAYERS>, **options)``.
        default_args: options used where ``cfg`` lacks them.

    >>> build_dropout(dict(type='DropPath', drop_prob=0.2))
    DropPath(drop_prob=0.2)
    """
    check_cfg("build_dropout", cfg)
    with naming_builder("build_dropout", DROPOUT_LAYERS):
        return DROPOUT_LAYERS.build(cfg, default_args=default_args)

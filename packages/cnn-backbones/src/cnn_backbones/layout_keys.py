"""Load mmdet-layout and mmpretrain-layout ResNet checkpoints into either layout.

The two frameworks build the same ResNet-C/D networks with different module trees: mmdet's deep
stem is a flat Sequential (``stem.0`` conv, ``stem.1`` norm, ``stem.3`` conv ...) and its ResNet-D
shortcut keeps an average pool even at stride 1 (``layer1.0.downsample.1`` is the conv), while
mmpretrain's stem is three ConvModules (``stem.0.conv``, ``stem.0.bn`` ...) and its stride-1
shortcut has no pool (``layer1.0.downsample.0`` is the conv). When the checkpoint's keys of the
stem (or of one shortcut) are exactly ours in the other layout, they are renamed to ours, so
``strict=True`` loads both; anything else is left for the usual missing/unexpected-key report.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import torch.nn as nn

_STEM_MODULE = re.compile(r"^(\d+)\.(conv|bn)\.(.+)$")
_INDEXED = re.compile(r"^(\d+)\.(.+)$")
_SHORTCUT = re.compile(r"^(layer\d+\.0\.downsample)\.")


def stem_to_flat(key: str) -> str | None:
    """``'1.bn.weight'`` (mmpretrain's stem) as mmdet's flat stem key ``'4.weight'``.

    Example:
        >>> stem_to_flat('2.conv.weight'), stem_to_flat('4.weight')
        ('6.weight', None)
    """
    match = _STEM_MODULE.match(key)
    if not match:
        return None
    return f"{3 * int(match[1]) + (0 if match[2] == 'conv' else 1)}.{match[3]}"


def stem_to_modules(key: str) -> str | None:
    """``'4.weight'`` (mmdet's flat stem) as mmpretrain's ConvModule key ``'1.bn.weight'``.

    Example:
        >>> stem_to_modules('6.weight'), stem_to_modules('0.conv.weight')
        ('2.conv.weight', None)
    """
    match = _INDEXED.match(key)
    if not match or _STEM_MODULE.match(key) or int(match[1]) % 3 == 2:
        return None
    index = int(match[1])
    return f"{index // 3}.{'conv' if index % 3 == 0 else 'bn'}.{match[2]}"


def shift(offset: int) -> Callable[[str], str | None]:
    """Renumber ``'i.rest'`` as ``'i+offset.rest'`` (a shortcut with or without its leading pool)."""

    def renumber(key: str) -> str | None:
        match = _INDEXED.match(key)
        if not match or int(match[1]) + offset < 0:
            return None
        return f"{int(match[1]) + offset}.{match[2]}"

    return renumber


def _rename_group(state_dict: dict[str, Any], own: set[str], head: str, transforms: list[Callable]) -> None:
    theirs = {k[len(head) :] for k in state_dict if k.startswith(head)}
    ours = {k[len(head) :] for k in own if k.startswith(head)}
    if not theirs or theirs == ours:
        return
    for transform in transforms:
        renamed = {key: transform(key) for key in theirs}
        if None not in renamed.values() and set(renamed.values()) == ours:
            values = {key: state_dict.pop(head + key) for key in theirs}
            for key, target in renamed.items():
                state_dict[head + str(target)] = values[key]
            return


def remap_layout_keys(module: nn.Module, state_dict: dict[str, Any], prefix: str, *args: Any) -> None:
    """A load-state-dict pre-hook: give the other layout's stem and shortcut keys ``module``'s names.

    Example:
        >>> from cnn_backbones import BACKBONES
        >>> cfg = dict(type='mmpretrain.ResNetV1d', depth=50, base_channels=8, stem_channels=8)
        >>> theirs = BACKBONES.build(cfg).state_dict()
        >>> 'stem.0.conv.weight' in theirs, 'layer1.0.downsample.0.weight' in theirs
        (True, True)
        >>> ours = BACKBONES.build(dict(type='ResNetV1d', depth=50, base_channels=8))
        >>> ours.load_state_dict(theirs, strict=True)
        <All keys matched successfully>
    """
    own = set(module.state_dict(prefix=prefix))
    if all(k in own for k in state_dict if k.startswith(prefix)):
        return
    _rename_group(state_dict, own, f"{prefix}stem.", [stem_to_flat, stem_to_modules])
    heads = {m[1] for k in state_dict if k.startswith(prefix) and (m := _SHORTCUT.match(k[len(prefix) :]))}
    for head in sorted(heads):
        _rename_group(state_dict, own, f"{prefix}{head}.", [shift(1), shift(-1)])

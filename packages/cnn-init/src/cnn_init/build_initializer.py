"""``build_initializer``: turn one ``init_cfg`` dict into an initializer."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from torch import nn

from cnn_registry import Registry, UnknownTypeError

from .registry import INITIALIZERS

#: Names under which cnn-zoo registers its checkpoint-loading initializer.
PRETRAINED_NAMES = ("Pretrained", "PretrainedInit")


def is_pretrained_cfg(cfg: Mapping[str, Any]) -> bool:
    """Whether ``cfg`` names the ``Pretrained`` initializer, which loads a checkpoint.

    >>> is_pretrained_cfg(dict(type='Pretrained', checkpoint='r50.pth'))
    True
    >>> is_pretrained_cfg(dict(type='Kaiming', layer='Conv2d'))
    False
    """
    kind = cfg.get("type")
    if isinstance(kind, str):
        return kind.rsplit(".", 1)[-1] in PRETRAINED_NAMES
    return isinstance(kind, type) and kind.__name__ in PRETRAINED_NAMES


def build_initializer(cfg: Mapping[str, Any], registry: Registry = INITIALIZERS) -> Callable[[nn.Module], Any]:
    """Build the initializer ``cfg`` describes, e.g. ``dict(type='Normal', std=0.01)``.

    ``Pretrained`` comes from cnn-zoo, found through its entry point; without
    cnn-zoo installed the error says how to install it.

    Args:
        cfg: ``type`` and the initializer's arguments; never modified.
        registry: where to look ``type`` up; a child of ``INITIALIZERS`` lets a
            project add its own initializers.

    >>> build_initializer(dict(type='Constant', val=1, layer='BatchNorm2d'))
    Constant(val=1.0, bias=0.0, layer='BatchNorm2d')
    """
    if not isinstance(cfg, Mapping):
        raise TypeError(
            f"init_cfg must be a dict such as dict(type='Normal', std=0.01), got {type(cfg).__name__}: {cfg!r}"
        )
    if not isinstance(registry, Registry):
        raise TypeError(f"registry must be a cnn_registry.Registry, got {type(registry).__name__}: {registry!r}")
    try:
        initializer: Callable[[nn.Module], Any] = registry.build(cfg)
    except UnknownTypeError as exc:
        if not is_pretrained_cfg(cfg):
            raise
        raise UnknownTypeError(
            f"init_cfg {dict(cfg)!r} needs the 'Pretrained' initializer, which the cnn-zoo package provides "
            "and which is not installed: pip install cnn-zoo\n" + str(exc),
            name=exc.name,
            registry_name=exc.registry_name,
            candidates=exc.candidates,
        ) from exc
    if not callable(initializer):
        raise TypeError(
            f"init_cfg {dict(cfg)!r} built a {type(initializer).__name__}, which is not callable; "
            "an initializer is called as initializer(module)"
        )
    return initializer

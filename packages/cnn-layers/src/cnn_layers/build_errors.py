"""Errors of the ``build_*_layer`` builders: which builder failed, and why.

The registry already explains an unknown type (registered names, close
matches, where it looked). The builders add two things: their own name, so a
traceback says which builder was asked, and a hint when the type exists in the
registry of another builder (``build_norm_layer(dict(type='Conv3d'))``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from cnn_registry import MissingTypeError, Registry, UnknownTypeError

from .registry import (
    ACTIVATION_LAYERS,
    CONV_LAYERS,
    DROPOUT_LAYERS,
    NORM_LAYERS,
    PADDING_LAYERS,
    PLUGIN_LAYERS,
    UPSAMPLE_LAYERS,
)

# (registry, what its types are called, the builder that builds them)
LAYER_KINDS: tuple[tuple[Registry, str, str], ...] = (
    (CONV_LAYERS, "conv layer", "build_conv_layer"),
    (NORM_LAYERS, "norm layer", "build_norm_layer"),
    (ACTIVATION_LAYERS, "activation layer", "build_activation_layer"),
    (UPSAMPLE_LAYERS, "upsample layer", "build_upsample_layer"),
    (PADDING_LAYERS, "padding layer", "build_padding_layer"),
    (PLUGIN_LAYERS, "plugin layer", "build_plugin_layer"),
    (DROPOUT_LAYERS, "dropout layer", "build_dropout"),
)


def check_cfg(builder: str, cfg: Any) -> None:
    """Raise ``TypeError`` unless ``cfg`` is a mapping with a ``type`` key.

    >>> check_cfg('build_conv_layer', dict(type='Conv2d'))
    >>> check_cfg('build_conv_layer', 'Conv2d')
    Traceback (most recent call last):
    ...
    TypeError: build_conv_layer: cfg must be a dict such as dict(type='...'), got str: 'Conv2d'
    """
    if not isinstance(cfg, Mapping):
        raise TypeError(f"{builder}: cfg must be a dict such as dict(type='...'), got {type(cfg).__name__}: {cfg!r}")
    if "type" not in cfg:
        raise MissingTypeError(f"{builder}: cfg must have a 'type' key naming the layer, got {dict(cfg)!r}")


def check_postfix(builder: str, postfix: Any) -> None:
    """Raise ``TypeError`` unless ``postfix``, appended to a layer's name, is an int or a str.

    >>> check_postfix('build_norm_layer', 1)
    """
    if not isinstance(postfix, (int, str)) or isinstance(postfix, bool):
        raise TypeError(f"{builder}: postfix must be an int or a str, got {type(postfix).__name__}: {postfix!r}")


def wrong_builder_hint(name: str, registry: Registry) -> str:
    """A sentence naming the builder to use when ``name`` belongs to another registry, else ``''``."""
    for other, kind, builder in LAYER_KINDS:
        if other is not registry and name in other:
            return f"{name!r} is a {kind} type, not a {registry.name[:-1].replace('_', ' ')} type: use {builder}."
    return ""


@contextmanager
def naming_builder(builder: str, registry: Registry) -> Iterator[None]:
    """Re-raise the registry's unknown-type error with the builder's name in front."""
    try:
        yield
    except UnknownTypeError as exc:
        hint = wrong_builder_hint(exc.name, registry)
        message = f"{builder}: " + (f"{hint}\n" if hint else "") + str(exc)
        raise UnknownTypeError(
            message, name=exc.name, registry_name=exc.registry_name, candidates=exc.candidates
        ) from exc


def layer_class(builder: str, registry: Registry, cfg: Mapping[str, Any]) -> Any:
    """The class ``cfg['type']`` names (a registered name or the class itself)."""
    layer_type = cfg["type"]
    if isinstance(layer_type, str):
        with naming_builder(builder, registry):
            return registry.lookup(layer_type)
    if callable(layer_type):
        return layer_type
    raise TypeError(
        f"{builder}: cfg['type'] must be a registered name or a class, got {type(layer_type).__name__}: {layer_type!r}"
    )

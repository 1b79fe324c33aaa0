"""``build_norm_layer``: a normalisation layer and the name it takes in a model.

The name (``bn1``, ``gn``, ``ln2``...) is an abbreviation plus a postfix, the
attribute name OpenMMLab models give their norm layers, so state-dict keys
match their published checkpoints.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm

from .build_errors import check_cfg, check_postfix, layer_class, naming_builder
from .registry import NORM_LAYERS
from .size_arguments import check_built_layer, check_positive_int

NORM_LAYERS.register_module(name="BN1d", module=nn.BatchNorm1d)
NORM_LAYERS.register_module(name=["BN2d", "BN"], module=nn.BatchNorm2d)
NORM_LAYERS.register_module(name="BN3d", module=nn.BatchNorm3d)
NORM_LAYERS.register_module(name="GN", module=nn.GroupNorm)
NORM_LAYERS.register_module(name="LN", module=nn.LayerNorm)
NORM_LAYERS.register_module(name="IN1d", module=nn.InstanceNorm1d)
NORM_LAYERS.register_module(name=["IN2d", "IN"], module=nn.InstanceNorm2d)
NORM_LAYERS.register_module(name="IN3d", module=nn.InstanceNorm3d)


def infer_norm_abbr(norm_cls: type) -> str:
    """The abbreviation a norm layer is named by: ``_abbr_``, else inferred from the class.

    >>> infer_norm_abbr(nn.BatchNorm2d), infer_norm_abbr(nn.GroupNorm), infer_norm_abbr(nn.InstanceNorm2d)
    ('bn', 'gn', 'in')
    >>> class MyLayerNormalisation(nn.Module):
    ...     pass
    >>> infer_norm_abbr(MyLayerNormalisation)
    'ln'
    """
    if not inspect.isclass(norm_cls):
        raise TypeError(f"norm_cls must be a class, got {type(norm_cls).__name__}: {norm_cls!r}")
    abbr = getattr(norm_cls, "_abbr_", None)
    if abbr is not None:
        return str(abbr)
    if issubclass(norm_cls, _InstanceNorm):  # checked first: not a _BatchNorm, but shares its ancestor
        return "in"
    if issubclass(norm_cls, _BatchNorm):
        return "bn"
    if issubclass(norm_cls, nn.GroupNorm):
        return "gn"
    if issubclass(norm_cls, nn.LayerNorm):
        return "ln"
    name = norm_cls.__name__.lower()
    for word, abbr in (("batch", "bn"), ("group", "gn"), ("layer", "ln"), ("instance", "in")):
        if word in name:
            return abbr
    return "norm_layer"


#: The classes whose instances `is_norm` calls normalisation layers (SyncBN is a ``_BatchNorm``).
NORM_BASES: tuple[type, ...] = (_BatchNorm, _InstanceNorm, nn.GroupNorm, nn.LayerNorm)


def is_norm(layer: object, exclude: type | tuple[type, ...] | None = None) -> bool:
    """Whether ``layer`` is a batch, instance, group or layer normalisation, and not of an ``exclude`` type.

    Args:
        layer: any object; only modules of a normalisation class count.
        exclude: a class or a tuple of classes that do not count, e.g. ``nn.GroupNorm``.

    >>> is_norm(nn.BatchNorm2d(4)), is_norm(nn.GroupNorm(2, 4)), is_norm(nn.Conv2d(4, 4, 1))
    (True, True, False)
    >>> is_norm(nn.GroupNorm(2, 4), exclude=(nn.GroupNorm, nn.LayerNorm))
    False
    """
    if exclude is None:
        exclude = ()
    elif inspect.isclass(exclude):
        exclude = (exclude,)
    if not (isinstance(exclude, tuple) and all(inspect.isclass(cls) for cls in exclude)):
        raise TypeError(
            f"is_norm: exclude must be None, a class or a tuple of classes, got {type(exclude).__name__}: {exclude!r}"
        )
    if exclude and isinstance(layer, exclude):
        return False
    return isinstance(layer, NORM_BASES)


def build_norm_layer(
    cfg: Mapping[str, Any], num_features: int | None = None, postfix: int | str = "", **kwargs: Any
) -> tuple[str, nn.Module]:
    """Build a normalisation layer over ``num_features`` channels and name it.

    Args:
        cfg: ``dict(type=<name in NORM_LAYERS>, **options)``. ``requires_grad=False``
            freezes the layer's parameters; ``GN`` needs ``num_groups``.
        num_features: the number of channels (``num_channels`` of GroupNorm,
            ``normalized_shape`` of LayerNorm).
        postfix: appended to the abbreviation to form the name, e.g. ``1`` gives ``'bn1'``.
        **kwargs: not accepted; present so that a call meant for another
            builder gets an error that says so.

    Returns:
        ``(name, layer)``, e.g. ``('gn1', GroupNorm(...))``.

    >>> name, gn = build_norm_layer(dict(type='GN', num_groups=2), 8, postfix=1)
    >>> name, gn.num_groups, gn.num_channels
    ('gn1', 2, 8)
    >>> name, bn = build_norm_layer(dict(type='BN', requires_grad=False), 4)
    >>> name, bn.weight.requires_grad
    ('bn', False)
    """
    check_cfg("build_norm_layer", cfg)
    norm_cls = layer_class("build_norm_layer", NORM_LAYERS, cfg)
    if kwargs:
        raise TypeError(
            f"build_norm_layer: unexpected keyword argument(s) {sorted(kwargs)}; it takes cfg, num_features "
            "and postfix, with the layer's options inside cfg"
        )
    if num_features is None:
        raise TypeError("build_norm_layer: num_features is required: the number of channels to normalise")
    check_positive_int("build_norm_layer", "num_features", num_features)
    check_postfix("build_norm_layer", postfix)

    params = dict(cfg)
    requires_grad = params.pop("requires_grad", True)
    if not isinstance(requires_grad, bool):
        raise TypeError(f"build_norm_layer: cfg['requires_grad'] must be a bool, got {requires_grad!r}")
    with naming_builder("build_norm_layer", NORM_LAYERS):
        if inspect.isclass(norm_cls) and issubclass(norm_cls, nn.GroupNorm):
            if "num_groups" not in params:
                raise ValueError(
                    f"build_norm_layer: {cfg['type']!r} needs num_groups in cfg, "
                    f"e.g. dict(type='GN', num_groups=32); got cfg {dict(cfg)!r}"
                )
            check_built_layer("build_norm_layer", norm_cls, params, (), {"num_channels": num_features})
            layer = NORM_LAYERS.build(params, num_channels=num_features)
        else:
            check_built_layer("build_norm_layer", norm_cls, params, (num_features,), {})
            layer = NORM_LAYERS.build(params, num_features)
    for param in layer.parameters():
        param.requires_grad = requires_grad
    abbr = infer_norm_abbr(norm_cls) if inspect.isclass(norm_cls) else "norm_layer"
    return abbr + str(postfix), layer

"""``build_activation_layer`` and the torch activations it knows by name."""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any

from torch import nn

from .build_errors import check_cfg, layer_class, naming_builder
from .registry import ACTIVATION_LAYERS

for _cls in (nn.ReLU, nn.LeakyReLU, nn.PReLU, nn.RReLU, nn.ReLU6, nn.ELU, nn.Sigmoid, nn.Tanh, nn.GELU, nn.Mish):
    ACTIVATION_LAYERS.register_module(module=_cls)
ACTIVATION_LAYERS.register_module(name=["SiLU", "Swish"], module=nn.SiLU)
ACTIVATION_LAYERS.register_module(name="HSwish", module=nn.Hardswish)


def accepts_argument(cls: Any, name: str) -> bool:
    """Whether calling ``cls`` accepts the keyword ``name`` (``**kwargs`` counts).

    >>> accepts_argument(nn.ReLU, 'inplace'), accepts_argument(nn.Sigmoid, 'inplace')
    (True, False)
    """
    if inspect.isclass(cls) and issubclass(cls, nn.Module) and cls.__init__ is nn.Module.__init__:
        return False  # Module.__init__'s *args/**kwargs accept nothing
    try:
        params = inspect.signature(cls).parameters.values()
    except (TypeError, ValueError):  # no introspectable signature: let the call decide
        return True
    return any(
        p.kind == p.VAR_KEYWORD or (p.name == name and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY))
        for p in params
    )


def build_activation_layer(cfg: Mapping[str, Any]) -> nn.Module:
    """Build an activation from ``cfg``.

    ``inplace`` is accepted for every type and passed on only to those that
    take it, so a bundle can ask for in-place activations whatever the user's
    choice of type.

    Args:
        cfg: ``dict(type=<name in ACTIVATION_LAYERS>, **options)``.

    Returns:
        The activation module.

    >>> build_activation_layer(dict(type='LeakyReLU', negative_slope=0.2, inplace=True))
    LeakyReLU(negative_slope=0.2, inplace=True)
    >>> build_activation_layer(dict(type='Sigmoid', inplace=True))
    Sigmoid()
    """
    check_cfg("build_activation_layer", cfg)
    act_cls = layer_class("build_activation_layer", ACTIVATION_LAYERS, cfg)
    params = dict(cfg)
    if "inplace" in params and not accepts_argument(act_cls, "inplace"):
        del params["inplace"]
    with naming_builder("build_activation_layer", ACTIVATION_LAYERS):
        return ACTIVATION_LAYERS.build(params)

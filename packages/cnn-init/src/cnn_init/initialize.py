"""``initialize``: apply one ``init_cfg`` dict, or a list of them, to a module."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from torch import nn

from .build_initializer import build_initializer
from .init_info import active_recorder, record_step
from .initializer import Initializer
from .unused_init_cfg import warn_unused
from .validation import check_module

InitCfg = Mapping[str, Any] | Sequence[Mapping[str, Any]]


def describe_cfg(cfg: Mapping[str, Any]) -> str:
    """A cfg written the way it reads in a config: ``Type(key=value, ...)``.

    >>> describe_cfg(dict(type='Normal', std=0.01, layer='Linear'))
    "Normal(std=0.01, layer='Linear')"
    """
    kind = cfg.get("type")
    name = kind if isinstance(kind, str) else getattr(kind, "__name__", repr(kind))
    args = ", ".join(f"{k}={v!r}" for k, v in cfg.items() if k != "type")
    return f"{name}({args})"


def cfg_list(init_cfg: Any, argument: str = "init_cfg") -> list[dict[str, Any]]:
    """``init_cfg`` as a list of shallow-copied dicts, after checking its shape.

    >>> cfg_list(dict(type='Constant', val=1))
    [{'type': 'Constant', 'val': 1}]
    """
    if isinstance(init_cfg, Mapping):
        items: list[Any] = [init_cfg]
    elif isinstance(init_cfg, Sequence) and not isinstance(init_cfg, (str, bytes)):
        items = list(init_cfg)
    else:
        raise TypeError(
            f"{argument} must be a dict or a list of dicts such as dict(type='Kaiming', layer='Conv2d'), "
            f"got {type(init_cfg).__name__}: {init_cfg!r}"
        )
    for item in items:
        if not isinstance(item, Mapping):
            raise TypeError(f"every entry of {argument} must be a dict, got {type(item).__name__}: {item!r}")
        if "type" not in item:
            raise ValueError(f"every entry of {argument} needs a 'type' key naming an initializer, got {dict(item)!r}")
    return [dict(item) for item in items]


def initialize(module: nn.Module, init_cfg: InitCfg) -> None:
    """Initialise ``module`` as ``init_cfg`` says.

    Each cfg names an initializer (``type``) and its arguments, plus:

    - ``layer``: class names (or base-class names such as ``'_BatchNorm'``)
      of the submodules it sets. A cfg without ``layer`` sets only its overrides.
    - ``override``: a dict or a list of dicts, each with ``name`` (an attribute
      path such as ``'fc'`` or ``'head.cls'``) and a full cfg for that
      submodule, or only ``name`` to reuse the outer cfg's arguments. Overrides
      run after the ``layer`` pass, so they win.

    Cfgs apply in order, so a later one wins where two touch the same
    parameter. A cfg that reaches no parameter warns with
    `UnusedInitCfgWarning`, naming it. ``init_cfg`` is never modified.

    >>> import torch
    >>> model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.Linear(4, 2))
    >>> initialize(model, [
    ...     dict(type='Kaiming', layer='Conv2d'),
    ...     dict(type='Constant', val=1, bias=0, layer='_BatchNorm'),
    ...     dict(type='Normal', std=0.01, bias=0.5, override=dict(name='2')),
    ... ])
    >>> model[1].weight.tolist(), model[2].bias.tolist()
    ([1.0, 1.0, 1.0, 1.0], [0.5, 0.5])
    """
    check_module(module, "initialize")
    steps = [step for cfg in cfg_list(init_cfg) for step in _plan(module, cfg)]
    recorded = active_recorder() is not None
    for description, initializer, target in steps:  # every cfg checked before any parameter changes
        targets = _plain_targets(initializer, target) if recorded else None
        if targets is None:
            with record_step(description, target):
                initializer(target)
            continue
        # Only the targets change, so the init table compares only their parameters;
        # the loop is Initializer.__call__ on the targets found once.
        with record_step(description, target, targets):
            for submodule in targets:
                cast(Initializer, initializer).init_module(submodule)


Step = tuple[str, Callable[[nn.Module], Any], nn.Module]


def _plain_targets(initializer: Callable[[nn.Module], Any], target: nn.Module) -> list[nn.Module] | None:
    """The modules ``initializer(target)`` sets, if it is an `Initializer` with the base class's selection.

    ``None`` for anything else (``Pretrained``, a custom ``__call__`` or ``targets``),
    which may touch every parameter of ``target``.
    """
    if not isinstance(initializer, Initializer):
        return None
    kind = type(initializer)
    if kind.__call__ is not Initializer.__call__ or kind.targets is not Initializer.targets:
        return None
    return [module for _, module in initializer.targets(target)]


def _plan(module: nn.Module, cfg: dict[str, Any]) -> list[Step]:
    """The (description, initializer, target) steps one cfg takes: its ``layer`` pass, then its overrides."""
    overrides = cfg.pop("override", None)
    initializer = build_initializer(cfg)
    owner = type(module).__name__
    steps: list[Step] = []
    if isinstance(initializer, Initializer) and initializer.layer is None:
        if overrides is None:
            warn_unused(
                f"init_cfg {describe_cfg(cfg)} of {owner} initializes nothing: it has neither 'layer' "
                "(class names of the submodules to set) nor 'override' (submodules by name)"
            )
    else:
        if isinstance(initializer, Initializer) and not initializer.targets(module):
            present = sorted({type(m).__name__ for m in module.modules()})
            warn_unused(
                f"init_cfg {describe_cfg(cfg)} of {owner} matched no submodule: no module's class or base "
                f"class is named {' or '.join(repr(n) for n in initializer.layer or ())} "
                f"(the classes present are {', '.join(present)})"
            )
        steps.append((f"{describe_cfg(cfg)} in init_cfg of {owner}", initializer, module))
    if overrides is not None:
        inherited = {k: v for k, v in cfg.items() if k != "layer"}
        steps.extend(_plan_override(module, override, inherited) for override in _as_list(overrides))
    return steps


def _as_list(overrides: Any) -> list[Any]:
    if isinstance(overrides, Mapping):
        return [overrides]
    if isinstance(overrides, Sequence) and not isinstance(overrides, (str, bytes)):
        return list(overrides)
    raise TypeError(
        f"override must be a dict or a list of dicts such as dict(name='fc', type='Normal', std=0.01), "
        f"got {type(overrides).__name__}: {overrides!r}"
    )


def _plan_override(module: nn.Module, override: Any, inherited: dict[str, Any]) -> Step:
    if not isinstance(override, Mapping):
        raise TypeError(f"every override must be a dict, got {type(override).__name__}: {override!r}")
    cfg = dict(override)
    name = cfg.pop("name", None)
    if not isinstance(name, str) or not name:
        raise ValueError(f"override must name a submodule with the key 'name' (e.g. name='fc'), got {dict(override)!r}")
    if not cfg:
        cfg = dict(inherited)  # a bare dict(name=...) reuses the outer cfg's arguments
    elif "type" not in cfg:
        raise ValueError(
            f"override {dict(override)!r} has arguments but no 'type'; give a full cfg such as "
            f"dict(name={name!r}, type='Normal', std=0.01), or only name={name!r} to reuse the outer cfg"
        )
    if "layer" in cfg:
        raise ValueError(
            f"override {dict(override)!r} must not have 'layer': an override sets the whole submodule {name!r}"
        )
    if "override" in cfg:
        raise ValueError(f"override {dict(override)!r} must not contain another 'override'")
    try:
        target = module.get_submodule(name)
    except AttributeError:
        children = ", ".join(n for n, _ in module.named_children()) or "none"
        raise ValueError(
            f"override name={name!r} is not a submodule of {type(module).__name__} (its children are: {children})"
        ) from None
    initializer = build_initializer(cfg)
    if isinstance(initializer, Initializer) and not initializer.targets(target):
        warn_unused(
            f"override {describe_cfg(cfg)} on {name!r} of {type(module).__name__} sets nothing: "
            f"{type(target).__name__} has no parameter that {initializer.name} can initialize"
        )
    return f"{describe_cfg(cfg)} via override name={name!r} in init_cfg of {type(module).__name__}", initializer, target

"""``get_state_dict``: a module's state dict without the ``module.`` keys that model wrappers add."""

from __future__ import annotations

from collections import OrderedDict
from typing import cast

import torch
from torch import nn

#: Wrappers whose only child, ``module``, is the model they wrap.
WRAPPERS: tuple[type[nn.Module], ...] = (nn.DataParallel, nn.parallel.DistributedDataParallel)


def _unwrapped_name(name: str, wrapper_paths: set[str]) -> str:
    """``'block.module.conv.weight'`` -> ``'block.conv.weight'`` when ``block`` is a wrapper."""
    kept: list[str] = []
    path: list[str] = []
    for part in name.split("."):
        if part == "module" and ".".join(path) in wrapper_paths:
            path.append(part)
            continue
        path.append(part)
        kept.append(part)
    return ".".join(kept)


def get_state_dict(module: nn.Module, prefix: str = "", keep_vars: bool = False) -> OrderedDict[str, torch.Tensor]:
    """Return ``module``'s state dict as the bare model would give it, as mmengine's ``get_state_dict``.

    ``DataParallel`` and ``DistributedDataParallel`` wrappers, around the model
    or around any child, add a ``module.`` to the keys below them; here they
    are removed, so the result loads into the unwrapped model. The module's own
    ``state_dict`` does the work (its hooks run); the ``_metadata`` versions are
    renamed with the keys. ``prefix`` is put before every key.

    >>> from torch import nn
    >>> list(get_state_dict(nn.DataParallel(nn.Linear(2, 2))))
    ['weight', 'bias']
    >>> list(get_state_dict(nn.Linear(2, 2), prefix='head.'))
    ['head.weight', 'head.bias']
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be an nn.Module, got {type(module).__name__}: {module!r}")
    if not isinstance(prefix, str):
        raise TypeError(f"prefix must be a str, got {type(prefix).__name__}: {prefix!r}")
    while isinstance(module, WRAPPERS):
        module = cast(nn.Module, module.module)
    wrapper_paths = {name for name, child in module.named_modules() if isinstance(child, WRAPPERS)}
    state = module.state_dict(keep_vars=keep_vars)
    result: OrderedDict[str, torch.Tensor] = OrderedDict(
        (prefix + _unwrapped_name(key, wrapper_paths), value) for key, value in state.items()
    )
    metadata = getattr(state, "_metadata", None)
    if metadata is not None:
        renamed = OrderedDict()
        for key, value in metadata.items():
            name = _unwrapped_name(key, wrapper_paths) if key else ""
            renamed[(prefix + name).rstrip(".") if prefix else name] = value
        result._metadata = renamed  # type: ignore[attr-defined]
    return result

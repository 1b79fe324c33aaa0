"""``load_state_dict``: copy weights into a module and report every key that did not fit."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field

import torch
from torch import nn

from .errors import StateDictMismatchError

_IGNORED_SUFFIX = "num_batches_tracked"
_LOGGER = logging.getLogger("cnn_zoo")


@dataclass
class LoadReport:
    """What :func:`load_state_dict` could not load.

    Attributes:
        missing_keys: keys the module has and the state dict lacks.
        unexpected_keys: keys the state dict has and the module lacks.
        mismatched: ``(key, checkpoint shape, module shape)`` for tensors whose shapes differ;
            those tensors are never copied.
        target: the module's class name, used in the message.
    """

    missing_keys: list[str] = field(default_factory=list)
    unexpected_keys: list[str] = field(default_factory=list)
    mismatched: list[tuple[str, tuple[int, ...], tuple[int, ...]]] = field(default_factory=list)
    target: str = "module"

    @property
    def ok(self) -> bool:
        """True when every key matched in name and shape."""
        return not (self.missing_keys or self.unexpected_keys or self.mismatched)

    def __str__(self) -> str:
        if self.ok:
            return f"the state dict matches {self.target} exactly"
        lines = [f"the state dict does not match {self.target}:"]
        if self.missing_keys:
            lines.append(f"  missing keys (in the module, not in the state dict): {', '.join(self.missing_keys)}")
        if self.unexpected_keys:
            lines.append(f"  unexpected keys (in the state dict, not in the module): {', '.join(self.unexpected_keys)}")
        for key, theirs, ours in self.mismatched:
            lines.append(f"  shape mismatch for {key}: state dict has {tuple(theirs)}, module has {tuple(ours)}")
        return "\n".join(lines)


def load_state_dict(
    module: nn.Module,
    state_dict: Mapping[str, torch.Tensor],
    strict: bool = False,
    logger: logging.Logger | None = None,
) -> LoadReport:
    """Load ``state_dict`` into ``module`` and report what did not fit, in one message.

    Missing, unexpected and shape-mismatched keys are collected together
    (``num_batches_tracked`` buffers are ignored). With ``strict=True`` any of them
    raises :class:`~cnn_zoo.errors.StateDictMismatchError` before a single tensor is
    copied. With ``strict=False`` the tensors that fit are loaded, a mis-shaped
    tensor is left untouched (as when fine-tuning with a new head) and the report
    is logged as a warning to ``logger`` (default: the ``cnn_zoo`` logger).

    Args:
        module: the module to load into.
        state_dict: parameter and buffer names to tensors.
        strict: raise instead of warn when anything does not fit.
        logger: where to log the report when ``strict`` is False.

    Returns:
        The :class:`LoadReport`.

    >>> from torch import nn
    >>> source, target = nn.Linear(2, 3), nn.Linear(2, 3)
    >>> load_state_dict(target, source.state_dict()).ok
    True
    >>> torch.equal(target.weight, source.weight)
    True
    >>> print(load_state_dict(nn.Linear(2, 4), source.state_dict()))
    the state dict does not match Linear:
      shape mismatch for weight: state dict has (3, 2), module has (4, 2)
      shape mismatch for bias: state dict has (3,), module has (4,)
    """
    if not isinstance(module, nn.Module):
        raise TypeError(f"module must be a torch.nn.Module, got {type(module).__name__}: {module!r}")
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"state_dict must be a mapping of names to tensors, got {type(state_dict).__name__}")
    if not isinstance(strict, bool):
        raise TypeError(f"strict must be a bool, got {type(strict).__name__}: {strict!r}")

    own = module.state_dict()
    report = LoadReport(target=type(module).__name__)
    loadable = {}
    for key, value in state_dict.items():
        if key not in own:
            if not key.endswith(_IGNORED_SUFFIX):
                report.unexpected_keys.append(key)
            continue
        if not isinstance(value, torch.Tensor):
            raise TypeError(f"state_dict[{key!r}] must be a tensor, got {type(value).__name__}")
        target = own[key]
        if not isinstance(target, nn.parameter.UninitializedParameter) and target.shape != value.shape:
            report.mismatched.append((key, tuple(value.shape), tuple(target.shape)))
            continue
        loadable[key] = value
    report.missing_keys = [k for k in own if k not in state_dict and not k.endswith(_IGNORED_SUFFIX)]

    if strict and not report.ok:
        raise StateDictMismatchError(str(report), report)
    result = module.load_state_dict(loadable, strict=False)
    # The module's own load hooks may rename keys; trust what it says it did not use.
    known_missing = {k for k, *_ in report.mismatched}
    report.missing_keys = [k for k in result.missing_keys if not k.endswith(_IGNORED_SUFFIX) and k not in known_missing]
    report.unexpected_keys += [
        k for k in result.unexpected_keys if not k.endswith(_IGNORED_SUFFIX) and k not in report.unexpected_keys
    ]
    if not report.ok:
        (logger or _LOGGER).warning("%s", report)
    return report

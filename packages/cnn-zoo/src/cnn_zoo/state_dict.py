"""``load_state_dict``: copy weights into a module and report every key that did not fit."""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn

from .errors import StateDictMismatchError

_IGNORED_SUFFIX = "num_batches_tracked"
_LOGGER = logging.getLogger("cnn_zoo")


@dataclass
class LoadReport:
    """What ``load_state_dict`` could not load.

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


class _Snapshot:
    """Every parameter and buffer of a module, as objects and as copies, to undo a failed load."""

    def __init__(self, module: nn.Module) -> None:
        self.entries: list[tuple[dict[str, Any], str, Any, torch.Tensor | None]] = []
        with torch.no_grad():
            for sub in module.modules():
                for table in (sub._parameters, sub._buffers):
                    for name, tensor in table.items():
                        saved = None
                        if isinstance(tensor, torch.Tensor) and not _is_placeholder(tensor):
                            saved = tensor.detach().clone()
                        self.entries.append((table, name, tensor, saved))

    def restore(self) -> None:
        with torch.no_grad():
            for table, name, tensor, saved in self.entries:
                table[name] = tensor
                if saved is not None:
                    tensor.copy_(saved)


def _is_placeholder(tensor: torch.Tensor) -> bool:
    return tensor.is_meta or isinstance(tensor, (nn.parameter.UninitializedParameter, nn.parameter.UninitializedBuffer))


def _shape_filter(mismatched: list[tuple[str, tuple[int, ...], tuple[int, ...]]]) -> Any:
    """A load pre-hook that drops (and records) the tensors whose shape differs from the module's own."""

    def hold_back(module: nn.Module, state_dict: dict[str, Any], prefix: str, *args: Any) -> None:
        own = [*module._parameters.items(), *module._buffers.items()]
        for name, tensor in own:
            key = prefix + name
            value = state_dict.get(key)
            if tensor is None or not isinstance(value, torch.Tensor) or _is_placeholder(tensor):
                continue
            if value.shape != tensor.shape:
                mismatched.append((key, tuple(value.shape), tuple(tensor.shape)))
                del state_dict[key]

    return hold_back


_COPY_ERROR = re.compile(r'While copying the parameter named "([^"]+)"')


def load_state_dict(
    module: nn.Module,
    state_dict: Mapping[str, torch.Tensor],
    strict: bool = False,
    logger: logging.Logger | None = None,
) -> LoadReport:
    """Load ``state_dict`` into ``module`` and report what did not fit, in one message.

    The module's own ``load_state_dict`` does the loading, so its load hooks and
    ``_load_from_state_dict`` overrides see every key (legacy names included) and
    the state dict's ``_metadata`` versions. Tensors whose shape differs from the
    module's are never copied. ``num_batches_tracked`` buffers are ignored in the
    report.

    With ``strict=True`` any missing, unexpected or mis-shaped key raises
    ``StateDictMismatchError`` and leaves the module exactly as it was (all or
    nothing: what was copied is undone). Shapes are compared after the module's
    load hooks ran, so a hook that maps an older layout's keys is respected.
    With ``strict=False`` the tensors that fit are loaded and the report is logged
    as a warning to ``logger`` (default: the ``cnn_zoo`` logger). A tensor torch
    cannot copy (a meta or sparse tensor, say) raises ``StateDictMismatchError``
    naming the key in either mode, the module left untouched. Undoing needs a copy
    of the module's tensors while the load runs.

    Args:
        module: the module to load into.
        state_dict: parameter and buffer names to tensors.
        strict: raise instead of warn when anything does not fit.
        logger: where to log the report when ``strict`` is False.

    Returns:
        The ``LoadReport``.

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
    for key, value in state_dict.items():
        if key in own and not isinstance(value, torch.Tensor):
            raise TypeError(f"state_dict[{key!r}] must be a tensor, got {type(value).__name__}")
    loadable: OrderedDict[str, Any] = OrderedDict(state_dict)
    metadata = getattr(state_dict, "_metadata", None)
    if metadata is not None:
        loadable._metadata = metadata  # type: ignore[attr-defined]

    snapshot = _Snapshot(module)
    # Mis-shaped tensors are held back inside torch's own load, after each module's load hooks
    # ran: a hook that renames an older layout's keys decides what a key means, not its name.
    hold_back = _shape_filter(report.mismatched)
    handles = [sub._register_load_state_dict_pre_hook(hold_back, with_module=True) for sub in module.modules()]
    try:
        result = module.load_state_dict(loadable, strict=False)
    except Exception as exc:
        snapshot.restore()
        text = str(exc)
        keys = _COPY_ERROR.findall(text)
        named = f" ({', '.join(keys)})" if keys else ""
        raise StateDictMismatchError(
            f"could not load the state dict into {report.target}{named}; the module was left as it was. {text}",
            report,
        ) from exc
    finally:
        for handle in handles:
            handle.remove()
    known = {k for k, *_ in report.mismatched}
    report.missing_keys = [k for k in result.missing_keys if not k.endswith(_IGNORED_SUFFIX) and k not in known]
    report.unexpected_keys = [k for k in result.unexpected_keys if not k.endswith(_IGNORED_SUFFIX)]
    if strict and not report.ok:
        snapshot.restore()
        raise StateDictMismatchError(str(report), report)
    if not report.ok:
        (logger or _LOGGER).warning("%s", report)
    return report

"""``load_checkpoint`` and ``save_checkpoint``: checkpoints in and out of modules."""

from __future__ import annotations

import logging
import os
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import torch
from torch import nn

from .checkpoint_file import SAFETENSORS_SUFFIX, write_checkpoint_file
from .schemes import load_from_any
from .state_dict import load_state_dict

DEFAULT_REVISE_KEYS: tuple[tuple[str, str], ...] = ((r"^module\.", ""),)
_STATE_DICT_KEYS = ("state_dict", "model")
_EMA_KEYS = ("state_dict_ema", "ema_state_dict", "model_ema", "ema")


def read_checkpoint(filename: str | os.PathLike[str], map_location: Any = "cpu", *, trust: bool = False) -> Any:
    """The raw checkpoint object that ``filename`` names, without touching any module.

    ``filename`` is a local path, ``http(s)://`` URL, ``torchvision://NAME``,
    ``open-mmlab://NAME``, ``mmcls://NAME``, ``hf://ORG/REPO/FILE`` or any scheme
    registered in ``CHECKPOINT_LOADERS``.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), 'ckpt.pth')
    >>> torch.save({'state_dict': {'w': torch.ones(1)}, 'meta': {'epoch': 3}}, path)
    >>> read_checkpoint(path)['meta']
    {'epoch': 3}
    """
    if not isinstance(filename, (str, os.PathLike)):
        raise TypeError(f"filename must be a string or path, got {type(filename).__name__}: {filename!r}")
    return load_from_any(os.fspath(filename), map_location, trust)


def _with_metadata(source: Any, state_dict: Mapping[str, Any]) -> dict[str, Any]:
    """``state_dict`` as a dict; an OrderedDict carrying ``source``'s ``_metadata`` when it has one.

    ``_metadata`` holds the module versions torch records, which version-aware load hooks read.
    """
    metadata = getattr(source, "_metadata", None)
    if metadata is None:
        return dict(state_dict)
    out: OrderedDict[str, Any] = OrderedDict(state_dict)
    out._metadata = metadata  # type: ignore[attr-defined]
    return out


def state_dict_from_checkpoint(checkpoint: Any, *, ema: bool = False) -> dict[str, torch.Tensor]:
    """The weights inside a checkpoint.

    Looks for ``state_dict``, then ``model``, then EMA weights (``state_dict_ema``,
    ``ema_state_dict``, ``model_ema``, ``ema``) when they are the only weights;
    a mapping of tensors is itself the state dict. ``ema=True`` insists on EMA weights.

    >>> state_dict_from_checkpoint({'model': {'w': torch.zeros(1)}, 'epoch': 1})
    {'w': tensor([0.])}
    """
    if not isinstance(checkpoint, Mapping):
        raise TypeError(f"checkpoint must be a mapping, got {type(checkpoint).__name__}")
    if ema:
        for key in _EMA_KEYS:
            if isinstance(checkpoint.get(key), Mapping):
                return _with_metadata(checkpoint[key], checkpoint[key])
        raise KeyError(
            f"ema=True but the checkpoint has no EMA weights under {', '.join(_EMA_KEYS)}; "
            f"its keys are {', '.join(map(str, checkpoint))}"
        )
    for key in _STATE_DICT_KEYS:
        if key in checkpoint and not isinstance(checkpoint[key], Mapping):
            raise TypeError(
                f"checkpoint[{key!r}] must be a mapping of names to tensors (the state dict), got "
                f"{type(checkpoint[key]).__name__}; a checkpoint is either a state dict or a mapping that holds one "
                f"under {' or '.join(map(repr, _STATE_DICT_KEYS))}"
            )
    for key in _STATE_DICT_KEYS + _EMA_KEYS:
        if isinstance(checkpoint.get(key), Mapping):
            return _with_metadata(checkpoint[key], checkpoint[key])
    if checkpoint and all(isinstance(v, torch.Tensor) for v in checkpoint.values()):
        return _with_metadata(checkpoint, checkpoint)
    raise ValueError(
        "the checkpoint holds no state dict: expected a mapping of tensors or one under "
        f"{', '.join(_STATE_DICT_KEYS + _EMA_KEYS)}; its keys are {', '.join(map(str, list(checkpoint)[:20]))}"
    )


def revise_state_dict_keys(
    state_dict: Mapping[str, torch.Tensor],
    revise_keys: Iterable[tuple[str, str]] = DEFAULT_REVISE_KEYS,
    prefix: str | None = None,
) -> dict[str, torch.Tensor]:
    """Keep the keys under ``prefix`` (stripped), then apply each ``(pattern, replacement)`` with ``re.sub``.

    Raises:
        KeyError: no key starts with ``prefix``; the message lists the prefixes present.

    >>> sd = {'module.backbone.conv.weight': 1, 'module.head.fc.bias': 2}
    >>> revise_state_dict_keys(sd, prefix='backbone.')
    {'conv.weight': 1}
    """
    rules = []
    for rule in revise_keys:
        if not (isinstance(rule, (tuple, list)) and len(rule) == 2 and all(isinstance(r, str) for r in rule)):
            raise TypeError(f"revise_keys must hold (pattern, replacement) string pairs, got {rule!r}")
        try:
            rules.append((re.compile(rule[0]), rule[1]))
        except re.error as exc:
            raise ValueError(f"revise_keys pattern {rule[0]!r} is not a valid regular expression: {exc}") from None
    revised = {}
    for key, value in state_dict.items():
        for pattern, replacement in rules:
            key = pattern.sub(replacement, key)
        revised[key] = value
    metadata = getattr(state_dict, "_metadata", None)
    if prefix is not None:
        if not isinstance(prefix, str) or not prefix:
            raise TypeError(f"prefix must be a non-empty string such as 'backbone.' or None, got {prefix!r}")
        if not prefix.endswith("."):
            prefix += "."
        selected = {k[len(prefix) :]: v for k, v in revised.items() if k.startswith(prefix)}
        if not selected:
            present = sorted({k.split(".")[0] + "." for k in revised})
            raise KeyError(f"prefix {prefix!r} matches no key of the checkpoint; its top-level prefixes are {present}")
        revised = selected
    if metadata is None:
        return revised
    out: OrderedDict[str, Any] = OrderedDict(revised)
    out._metadata = _revised_metadata(metadata, rules, prefix)  # type: ignore[attr-defined]
    return out


def _revised_metadata(metadata: Mapping[str, Any], rules: list[tuple[re.Pattern[str], str]], prefix: str | None) -> Any:
    """``_metadata`` keyed by module paths renamed as the keys were (``module.layer1`` -> ``layer1``)."""
    out: OrderedDict[str, Any] = OrderedDict()
    for path, value in metadata.items():
        dotted = f"{path}." if path else ""
        for pattern, replacement in rules:
            dotted = pattern.sub(replacement, dotted)
        if prefix is not None:
            if not dotted.startswith(prefix):
                continue
            dotted = dotted[len(prefix) :]
        out[dotted.removesuffix(".")] = value
    return out


def load_checkpoint(
    model: nn.Module,
    filename: str | os.PathLike[str],
    map_location: Any = "cpu",
    strict: bool = False,
    revise_keys: Iterable[tuple[str, str]] = DEFAULT_REVISE_KEYS,
    prefix: str | None = None,
    logger: logging.Logger | None = None,
    *,
    trust: bool = False,
    ema: bool = False,
) -> Any:
    """Load a checkpoint into ``model`` and return the raw checkpoint.

    Args:
        model: the module to fill. A ``DistributedDataParallel``/``DataParallel``
            wrapper is unwrapped.
        filename: a path or ``scheme://...`` reference (see ``read_checkpoint``).
        map_location: as for ``torch.load``.
        strict: raise ``cnn_zoo.errors.StateDictMismatchError`` on any
            missing, unexpected or mis-shaped key (before copying anything).
        revise_keys: ``(pattern, replacement)`` rules applied to every key; by
            default a ``module.`` prefix left by DataParallel is removed.
        prefix: load only the keys under this prefix (e.g. ``'backbone.'``), stripped.
        logger: where the mismatch report goes when ``strict`` is False.
        trust: the file is trusted: allow arbitrary pickled objects.
        ema: load the EMA weights the checkpoint holds.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), 'linear.pth')
    >>> source = nn.Linear(2, 2)
    >>> _ = save_checkpoint(source, path)
    >>> target = nn.Linear(2, 2)
    >>> _ = load_checkpoint(target, path, strict=True)
    >>> torch.equal(target.weight, source.weight)
    True
    """
    checkpoint = read_checkpoint(filename, map_location, trust=trust)
    state_dict = state_dict_from_checkpoint(checkpoint, ema=ema)
    state_dict = revise_state_dict_keys(state_dict, revise_keys, prefix)
    if isinstance(model, (nn.parallel.DistributedDataParallel, nn.DataParallel)):
        model = model.module
    load_state_dict(model, state_dict, strict=strict, logger=logger)
    return checkpoint


def load_checkpoint_with_prefix(
    prefix: str, filename: str | os.PathLike[str], map_location: Any = "cpu", *, trust: bool = False
) -> dict[str, torch.Tensor]:
    """The part of a checkpoint's state dict under ``prefix``, with the prefix removed.

    mmengine's ``_load_checkpoint_with_prefix``: ``'backbone'`` and ``'backbone.'``
    are the same prefix; no other key is renamed.

    Raises:
        KeyError: no key starts with ``prefix``; the message lists the prefixes present.

    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), 'detector.pth')
    >>> torch.save({'state_dict': {'backbone.conv.weight': torch.ones(1), 'head.fc.bias': torch.zeros(1)}}, path)
    >>> load_checkpoint_with_prefix('backbone', path)
    {'conv.weight': tensor([1.])}
    """
    if not isinstance(prefix, str) or not prefix:
        raise TypeError(f"prefix must be a non-empty string such as 'backbone.', got {prefix!r}")
    checkpoint = read_checkpoint(filename, map_location, trust=trust)
    return revise_state_dict_keys(state_dict_from_checkpoint(checkpoint), (), prefix)


def save_checkpoint(
    model_or_state_dict: nn.Module | Mapping[str, torch.Tensor],
    path: str | os.PathLike[str],
    meta: Mapping[str, Any] | None = None,
) -> Path:
    """Save weights atomically; ``.safetensors`` by extension, else a torch file.

    A torch file holds ``{'state_dict': ..., 'meta': meta}``, as mmcv/mmengine
    write them; a safetensors file holds the tensors, with ``meta`` as string
    metadata. Tensors are moved to the CPU first, and the state dict's
    ``_metadata`` is kept. A whole checkpoint, a mapping with a ``state_dict``
    mapping inside (what mmengine's ``save_checkpoint(checkpoint, filename)``
    takes), is saved with its other entries; ``meta``, if given, replaces its own.

    >>> import os, tempfile
    >>> path = save_checkpoint(nn.Linear(1, 1), os.path.join(tempfile.mkdtemp(), 'l.pth'), meta={'epoch': 1})
    >>> sorted(torch.load(path)['state_dict'])
    ['bias', 'weight']
    """
    if isinstance(model_or_state_dict, (nn.parallel.DistributedDataParallel, nn.DataParallel)):
        model_or_state_dict = model_or_state_dict.module
    state_dict: Mapping[str, Any]
    if isinstance(model_or_state_dict, nn.Module):
        state_dict = model_or_state_dict.state_dict()
    elif isinstance(model_or_state_dict, Mapping):
        state_dict = model_or_state_dict
    else:
        raise TypeError(
            "model_or_state_dict must be an nn.Module or a mapping of tensors, "
            f"got {type(model_or_state_dict).__name__}"
        )
    if meta is not None and not isinstance(meta, Mapping):
        raise TypeError(f"meta must be a mapping or None, got {type(meta).__name__}: {meta!r}")
    extra: dict[str, Any] = {}
    inner = state_dict.get("state_dict")
    if isinstance(inner, Mapping):  # a whole checkpoint, as mmengine saves them
        extra = {k: v for k, v in state_dict.items() if k != "state_dict"}
        if meta is None and isinstance(extra.get("meta"), Mapping):
            meta = extra["meta"]
        state_dict = inner
    cpu = _with_metadata(
        state_dict, {k: v.detach().cpu() if isinstance(v, torch.Tensor) else v for k, v in state_dict.items()}
    )
    path = Path(path).expanduser()
    if path.suffix == SAFETENSORS_SUFFIX:
        return write_checkpoint_file(cpu, path, metadata={str(k): str(v) for k, v in (meta or {}).items()})
    return write_checkpoint_file({**extra, "state_dict": cpu, "meta": dict(meta or {})}, path)

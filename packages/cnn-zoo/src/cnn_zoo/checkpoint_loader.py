"""``CheckpointLoader``: mmengine's loader API over cnn-zoo's scheme registry.

Code written for mmengine registers schemes with
``CheckpointLoader.register_scheme(prefixes, loader, force)`` and loads with
``CheckpointLoader.load_checkpoint(filename, map_location)``. Both work here;
the loaders land in ``CHECKPOINT_LOADERS``, so ``load_checkpoint`` and the
``Pretrained`` initializer use them too.

>>> import os, tempfile, torch
>>> from cnn_zoo import CHECKPOINT_LOADERS
>>> path = os.path.join(tempfile.mkdtemp(), 'w.pth')
>>> torch.save({'w': torch.ones(1)}, path)
>>> with CHECKPOINT_LOADERS.temporary_registrations():
...     @CheckpointLoader.register_scheme('mirror://')
...     def from_mirror(filename, map_location):
...         return torch.load(path, map_location=map_location)
...     CheckpointLoader.load_checkpoint('mirror://w.pth')
{'w': tensor([1.])}
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

from .registry import CHECKPOINT_LOADERS

_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+_-]*)(?:://)?")

Loader = Callable[..., Any]


def _scheme_of(prefix: object) -> str:
    if not isinstance(prefix, str):
        raise TypeError(f"prefixes must be strings such as 's3://', got {type(prefix).__name__}: {prefix!r}")
    match = _SCHEME.fullmatch(prefix)
    if match is None:
        raise ValueError(
            f"prefix {prefix!r} is not a URL scheme; cnn-zoo dispatches on the scheme, so register one such as "
            "'s3://' or 'pavi://' (a path prefix like 'data/' is not supported)"
        )
    return match.group(1).lower()


class CheckpointLoader:
    """mmengine's ``CheckpointLoader``, backed by ``CHECKPOINT_LOADERS``."""

    @classmethod
    def register_scheme(cls, prefixes: str | Sequence[str], loader: Loader | None = None, force: bool = False) -> Any:
        """Register ``loader(filename, map_location)`` for ``prefixes`` (``'s3://'`` or a list of them).

        Used as a decorator when ``loader`` is None. A scheme that is already
        registered raises ``AlreadyRegisteredError`` (a ``KeyError``) unless
        ``force`` is True.
        """
        names = [prefixes] if isinstance(prefixes, str) else prefixes
        if not isinstance(names, (list, tuple)) or not names:
            raise TypeError(f"prefixes must be a string or a non-empty list of strings, got {prefixes!r}")
        schemes = [_scheme_of(p) for p in names]
        if not isinstance(force, bool):
            raise TypeError(f"force must be a bool, got {type(force).__name__}: {force!r}")

        def register(function: Loader) -> Loader:
            if not callable(function):
                raise TypeError(f"loader must be callable, got {type(function).__name__}: {function!r}")

            @functools.wraps(function)
            def adapted(filename: str, map_location: Any = "cpu", trust: bool = False) -> Any:
                return function(filename, map_location)

            CHECKPOINT_LOADERS.register_module(name=schemes, force=force, module=adapted)
            return function

        if loader is not None:
            register(loader)
            return None
        return register

    @classmethod
    def load_checkpoint(
        cls,
        filename: str,
        map_location: Any = "cpu",
        logger: logging.Logger | str | None = None,
        *,
        trust: bool = False,
    ) -> Any:
        """The raw checkpoint ``filename`` names, through the loader of its scheme (``logger`` is unused)."""
        from .schemes import load_from_any

        return load_from_any(filename, map_location, trust)

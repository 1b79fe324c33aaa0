"""The ``Pretrained`` initializer: ``init_cfg=dict(type='Pretrained', checkpoint=...)``.

Registered in cnn-init's ``INITIALIZERS``; cnn-init imports this module through the
``cnn_init.initializers`` entry point, so no import is needed to use it in a config.
"""

from __future__ import annotations

import logging
from typing import Any

from torch import nn

from cnn_init.registry import INITIALIZERS

from .checkpoint import load_checkpoint

_LOGGER = logging.getLogger("cnn_zoo")


@INITIALIZERS.register_module(name=["Pretrained", "PretrainedInit"])
class Pretrained:
    """Initialise a module from a checkpoint.

    Called on a module, it loads the checkpoint into the whole module. It is a
    plain callable rather than a ``cnn_init.Initializer``: those target
    submodules by ``layer``, while a checkpoint fills one state dict.

    Args:
        checkpoint: a path or ``scheme://...`` reference (``torchvision://resnet50``,
            ``open-mmlab://resnet50_v1c``, an ``https://`` URL ...).
        prefix: load only the checkpoint keys under this prefix, stripped
            (``'backbone.'`` to initialise a backbone from a whole detector).
        map_location: as for ``torch.load``.
        strict: raise on missing, unexpected or mis-shaped keys instead of warning.
        trust: allow arbitrary pickled objects in the file (trusted files only).

    >>> import os, tempfile, torch
    >>> path = os.path.join(tempfile.mkdtemp(), 'detector.pth')
    >>> torch.save({'state_dict': {'backbone.weight': torch.ones(1, 1), 'backbone.bias': torch.zeros(1)}}, path)
    >>> layer = nn.Linear(1, 1)
    >>> Pretrained(path, prefix='backbone.')(layer)
    >>> layer.weight.item()
    1.0
    """

    name = "Pretrained"

    def __init__(
        self,
        checkpoint: str,
        prefix: str | None = None,
        map_location: Any = "cpu",
        strict: bool = False,
        trust: bool = False,
    ) -> None:
        if not isinstance(checkpoint, str) or not checkpoint:
            raise TypeError(f"checkpoint must be a non-empty path or URL string, got {checkpoint!r}")
        if prefix is not None and (not isinstance(prefix, str) or not prefix):
            raise TypeError(f"prefix must be a non-empty string such as 'backbone.' or None, got {prefix!r}")
        self.checkpoint = checkpoint
        self.prefix = prefix
        self.map_location = map_location
        self.strict = strict
        self.trust = trust

    def __call__(self, module: nn.Module) -> None:
        """Load the checkpoint into ``module``."""
        if not isinstance(module, nn.Module):
            raise TypeError(f"Pretrained: module must be a torch.nn.Module, got {type(module).__name__}: {module!r}")
        where = f" (keys under {self.prefix!r})" if self.prefix else ""
        _LOGGER.info("loading %s%s into %s", self.checkpoint, where, type(module).__name__)
        load_checkpoint(
            module,
            self.checkpoint,
            map_location=self.map_location,
            strict=self.strict,
            prefix=self.prefix,
            trust=self.trust,
        )

    def __repr__(self) -> str:
        extra = f", prefix={self.prefix!r}" if self.prefix else ""
        return f"Pretrained(checkpoint={self.checkpoint!r}{extra})"

"""Catalogs of pretrained checkpoints, safe checkpoint loading and a verified download cache.

Importing ``cnn_zoo`` is cheap: the catalogs, the cache and the command line need
no torch, and the names that do (``load_checkpoint``, ``save_checkpoint`` ...)
import it the first time they are used.

>>> import os, tempfile
>>> from torch import nn
>>> from cnn_zoo import load_checkpoint, resolve, save_checkpoint
>>> resolve('torchvision://resnet50')
'https://download.pytorch.org/models/resnet50-0676ba61.pth'
>>> path = save_checkpoint(nn.Linear(2, 2), os.path.join(tempfile.mkdtemp(), 'linear.pth'))
>>> _ = load_checkpoint(nn.Linear(2, 2), path, strict=True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cnn_registry.lazy_exports import lazy_exports

from .cache_name import cache_file_name, sha256_prefix
from .catalog import deprecated_names, load_catalog, read_catalog_file, resolve
from .errors import (
    CatalogError,
    ChecksumError,
    CorruptCheckpointError,
    DownloadError,
    MissingExtraError,
    OfflineError,
    StateDictMismatchError,
    UnknownCheckpointError,
    UntrustedCheckpointError,
)
from .home import cache_dir, is_offline, zoo_home

if TYPE_CHECKING:
    from .checkpoint import (
        load_checkpoint,
        load_checkpoint_with_prefix,
        read_checkpoint,
        revise_state_dict_keys,
        save_checkpoint,
        state_dict_from_checkpoint,
    )
    from .checkpoint_file import read_checkpoint_file, write_checkpoint_file
    from .checkpoint_loader import CheckpointLoader
    from .download_cache import download, verify_file
    from .registry import CHECKPOINT_LOADERS
    from .schemes import load_from_any
    from .state_dict import LoadReport, load_state_dict
    from .unwrapped_state_dict import get_state_dict

#: Names imported on first use, and the module that defines each (these need torch or requests).
_LAZY = {
    "CHECKPOINT_LOADERS": "registry",
    "CheckpointLoader": "checkpoint_loader",
    "LoadReport": "state_dict",
    "download": "download_cache",
    "get_state_dict": "unwrapped_state_dict",
    "load_checkpoint": "checkpoint",
    "load_checkpoint_with_prefix": "checkpoint",
    "load_from_any": "schemes",
    "load_state_dict": "state_dict",
    "read_checkpoint": "checkpoint",
    "read_checkpoint_file": "checkpoint_file",
    "revise_state_dict_keys": "checkpoint",
    "save_checkpoint": "checkpoint",
    "state_dict_from_checkpoint": "checkpoint",
    "verify_file": "download_cache",
    "write_checkpoint_file": "checkpoint_file",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY)

__version__ = "0.1.0"

__all__ = [
    "CHECKPOINT_LOADERS",
    "CatalogError",
    "CheckpointLoader",
    "ChecksumError",
    "CorruptCheckpointError",
    "DownloadError",
    "LoadReport",
    "MissingExtraError",
    "OfflineError",
    "StateDictMismatchError",
    "UnknownCheckpointError",
    "UntrustedCheckpointError",
    "__version__",
    "cache_dir",
    "cache_file_name",
    "deprecated_names",
    "download",
    "get_state_dict",
    "is_offline",
    "load_catalog",
    "load_checkpoint",
    "load_checkpoint_with_prefix",
    "load_from_any",
    "load_state_dict",
    "read_catalog_file",
    "read_checkpoint",
    "read_checkpoint_file",
    "resolve",
    "revise_state_dict_keys",
    "save_checkpoint",
    "sha256_prefix",
    "state_dict_from_checkpoint",
    "verify_file",
    "write_checkpoint_file",
    "zoo_home",
]

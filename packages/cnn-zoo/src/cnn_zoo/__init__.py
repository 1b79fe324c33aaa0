"""Catalogs of pretrained checkpoints, safe checkpoint loading and a verified download cache.

>>> import os, tempfile
>>> from torch import nn
>>> from cnn_zoo import load_checkpoint, resolve, save_checkpoint
>>> resolve('torchvision://resnet50')
'https://download.pytorch.org/models/resnet50-0676ba61.pth'
>>> path = save_checkpoint(nn.Linear(2, 2), os.path.join(tempfile.mkdtemp(), 'linear.pth'))
>>> _ = load_checkpoint(nn.Linear(2, 2), path, strict=True)
"""

from .cache_name import cache_file_name, sha256_prefix
from .catalog import deprecated_names, load_catalog, read_catalog_file, resolve
from .checkpoint import (
    load_checkpoint,
    read_checkpoint,
    revise_state_dict_keys,
    save_checkpoint,
    state_dict_from_checkpoint,
)
from .checkpoint_file import read_checkpoint_file, write_checkpoint_file
from .download import download, verify_file
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
from .registry import CHECKPOINT_LOADERS
from .schemes import load_from_any
from .state_dict import LoadReport, load_state_dict

__version__ = "0.1.0"

__all__ = [
    "CHECKPOINT_LOADERS",
    "CatalogError",
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
    "is_offline",
    "load_catalog",
    "load_checkpoint",
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

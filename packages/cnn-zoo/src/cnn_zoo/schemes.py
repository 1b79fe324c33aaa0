"""The built-in checkpoint loaders, one per URL scheme, registered in ``CHECKPOINT_LOADERS``.

A loader is called as ``loader(filename, map_location=..., trust=...)`` with the
whole ``scheme://...`` string and returns the raw checkpoint object. Register your
own for a new scheme::

    from cnn_zoo import CHECKPOINT_LOADERS, read_checkpoint_file

    @CHECKPOINT_LOADERS.register_module(name='s3')
    def load_from_s3(filename, map_location='cpu', trust=False):
        local = my_s3_download(filename)
        return read_checkpoint_file(local, map_location, trust=trust)
"""

from __future__ import annotations

import os
from typing import Any

from .catalog import CATALOG_NAMES, load_catalog, resolve, split_scheme
from .checkpoint_file import read_checkpoint_file
from .download_cache import download
from .errors import CorruptCheckpointError, MissingExtraError, UnknownCheckpointError
from .home import is_offline
from .registry import CHECKPOINT_LOADERS


def load_from_any(filename: str, map_location: Any = "cpu", trust: bool = False) -> Any:
    """Dispatch ``filename`` to the loader registered for its scheme; no scheme means a local file.

    >>> import os, tempfile, torch
    >>> path = os.path.join(tempfile.mkdtemp(), 'w.pth')
    >>> torch.save({'w': torch.zeros(1)}, path)
    >>> load_from_any(path)
    {'w': tensor([0.])}
    """
    if not isinstance(filename, str):
        raise TypeError(f"filename must be a string (a path or scheme://...), got {type(filename).__name__}")
    scheme, _ = split_scheme(filename)
    if not scheme:
        if not os.path.exists(filename):
            _raise_if_catalog_name(filename)
        return read_checkpoint_file(filename, map_location, trust=trust)
    if scheme not in CHECKPOINT_LOADERS:
        raise UnknownCheckpointError(
            f"no checkpoint loader is registered for the scheme {scheme + '://'!r} of {filename!r}; known schemes: "
            f"{', '.join(s + '://' for s in CHECKPOINT_LOADERS)}. Register one with "
            f"@CHECKPOINT_LOADERS.register_module(name={scheme!r})."
        )
    return CHECKPOINT_LOADERS.get(scheme)(filename, map_location=map_location, trust=trust)


def _raise_if_catalog_name(filename: str) -> None:
    """A missing file named like a catalog entry (``'resnet50'``): say which ``scheme://`` name was meant."""
    for catalog in CATALOG_NAMES:
        if filename in load_catalog(catalog):
            raise FileNotFoundError(
                f"checkpoint file {filename!r} does not exist; as a catalog name it is {catalog}://{filename}. "
                f"For a pretrained model by name: cnn_models.create_model({filename!r}, pretrained=True)"
            )


@CHECKPOINT_LOADERS.register_module(name=["http", "https"])
def load_from_http(filename: str, map_location: Any = "cpu", trust: bool = False) -> Any:
    """Download ``filename`` into the cache (verified, shared, resumable) and load it.

    A cached copy that is not a readable checkpoint (a name without a SHA256
    prefix cannot be verified) raises ``CorruptCheckpointError`` naming the cached
    file and the command that removes it.
    """
    path = download(filename)
    try:
        return read_checkpoint_file(path, map_location, trust=trust)
    except CorruptCheckpointError as exc:
        raise CorruptCheckpointError(
            f"{exc}. It is the cached download of {filename}, kept at {str(path)!r}; remove it with "
            f"`cnn-zoo cache remove {filename}` and load again to download a fresh copy."
        ) from exc


@CHECKPOINT_LOADERS.register_module(name=["open-mmlab", "openmmlab", "torchvision", "modelzoo"])
def load_from_catalog(filename: str, map_location: Any = "cpu", trust: bool = False) -> Any:
    """Look ``scheme://NAME`` up in its catalog and load the URL or path it names."""
    return load_from_any(resolve(filename), map_location, trust)


@CHECKPOINT_LOADERS.register_module(name="mmcls")
def load_from_mmcls(filename: str, map_location: Any = "cpu", trust: bool = False) -> Any:
    """Load an mmclassification checkpoint and keep its backbone: ``{'state_dict': backbone weights}``.

    As in mmengine, the ``backbone.`` prefix is removed and other keys are dropped.
    """
    checkpoint = load_from_any(resolve(filename), map_location, trust)
    state_dict = checkpoint.get("state_dict", checkpoint) if isinstance(checkpoint, dict) else checkpoint
    return {"state_dict": {k[len("backbone.") :]: v for k, v in state_dict.items() if k.startswith("backbone.")}}


@CHECKPOINT_LOADERS.register_module(name="hf")
def load_from_hf(filename: str, map_location: Any = "cpu", trust: bool = False) -> Any:
    """Load ``hf://ORG/REPO[@REVISION]/PATH/IN/REPO`` from the Hugging Face Hub (the ``hf`` extra).

    ``huggingface_hub`` keeps its own cache and honours ``HF_ENDPOINT``; with
    ``CNN_ZOO_OFFLINE`` set only its cache is used.
    """
    _, rest = split_scheme(filename)
    parts = rest.split("/", 2)
    if len(parts) < 3 or not all(parts):
        raise ValueError(f"filename must look like hf://ORG/REPO/FILE, got {filename!r}")
    org, repo, path = parts
    repo, _, revision = repo.partition("@")
    try:
        from huggingface_hub import hf_hub_download
    except ModuleNotFoundError as exc:
        raise MissingExtraError(f"loading {filename!r} needs huggingface_hub: pip install 'cnn-zoo[hf]'") from exc
    local = hf_hub_download(
        repo_id=f"{org}/{repo}", filename=path, revision=revision or None, local_files_only=is_offline()
    )
    return read_checkpoint_file(local, map_location, trust=trust)

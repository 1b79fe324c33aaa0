"""Read and write one checkpoint file: ``.pth``/``.pt`` with torch, ``.safetensors`` natively.

Reading is safe by default: torch files load with ``weights_only=True``, so a file
that would run code while unpickling is refused unless the caller trusts it.
Writing is atomic: the data goes to a temporary file beside the target, which is
renamed into place only once it is complete.
"""

from __future__ import annotations

import ctypes
import json
import os
import pickle
import re
import struct
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from .errors import CorruptCheckpointError, MissingExtraError, UntrustedCheckpointError

SAFETENSORS_SUFFIX = ".safetensors"


def _safetensors_torch() -> Any:
    try:
        import safetensors.torch
    except ModuleNotFoundError as exc:
        raise MissingExtraError(
            "reading or writing .safetensors files needs the safetensors package: pip install 'cnn-zoo[safetensors]'"
        ) from exc
    return safetensors.torch


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.splitlines() if line.strip() and "documentation" not in line]
    return lines[-1] if lines else text


def read_checkpoint_file(path: str | os.PathLike[str], map_location: Any = "cpu", *, trust: bool = False) -> Any:
    """Load the object stored in the checkpoint file ``path``.

    Args:
        path: a ``.safetensors`` file, or anything ``torch.save`` wrote.
        map_location: as for ``torch.load``; for safetensors, a device.
        trust: allow arbitrary pickled objects (``weights_only=False``). Only for
            files from a source you trust: unpickling can run any code.

    Raises:
        FileNotFoundError: no such file.
        UntrustedCheckpointError: the file holds more than tensors and plain
            containers and ``trust`` is False.
        CorruptCheckpointError: the file is truncated or not a checkpoint.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), 'w.pth')
    >>> torch.save({'w': torch.ones(2)}, path)
    >>> read_checkpoint_file(path)
    {'w': tensor([1., 1.])}
    """
    path = Path(path).expanduser()
    if not isinstance(trust, bool):
        raise TypeError(f"trust must be a bool, got {type(trust).__name__}: {trust!r}")
    if not path.is_file():
        raise FileNotFoundError(f"checkpoint file {str(path)!r} does not exist")
    if path.suffix == SAFETENSORS_SUFFIX:
        device = str(map_location) if isinstance(map_location, (str, torch.device)) else "cpu"
        try:
            return _safetensors_torch().load_file(str(path), device=device)
        except MissingExtraError:
            raise
        except Exception as exc:
            raise CorruptCheckpointError(
                f"{str(path)!r} is not a readable safetensors file: {type(exc).__name__}: {exc}"
            ) from exc
    try:
        return torch.load(path, map_location=map_location, weights_only=not trust)
    except pickle.UnpicklingError as exc:
        text = str(exc)
        needs = re.search(r"Unsupported (?:global|class):? (?:GLOBAL )?([\w.]+)", text)
        if trust or needs is None:
            raise CorruptCheckpointError(
                f"{str(path)!r} is not a readable checkpoint (truncated or damaged?): {_last_line(text)}"
            ) from exc
        raise UntrustedCheckpointError(
            f"refusing to load {str(path)!r}: it needs the Python object {needs.group(1)!r}, and unpickling "
            "anything but tensors and plain containers can run arbitrary code. If you trust the file's source, "
            "load it with trust=True (load_checkpoint(..., trust=True)), or rewrite it once as plain tensors "
            "with `cnn-zoo convert --trust IN OUT.safetensors`."
        ) from exc
    except Exception as exc:  # zipfile, EOF, unpickler index errors ...: all mean a damaged file
        raise CorruptCheckpointError(
            f"{str(path)!r} is not a readable checkpoint (truncated or damaged?): {type(exc).__name__}: {exc}"
        ) from exc


def _unshared(tensors: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """Contiguous tensors, each with its own storage (safetensors refuses tied weights)."""
    seen: set[tuple[Any, ...]] = set()
    out = {}
    for key, value in tensors.items():
        value = value.contiguous()
        storage = (value.device, value.untyped_storage().data_ptr())
        out[key] = value.clone() if storage in seen else value
        seen.add(storage)
    return out


_SAFETENSORS_DTYPES = {
    "float64": "F64",
    "float32": "F32",
    "float16": "F16",
    "bfloat16": "BF16",
    "int64": "I64",
    "int32": "I32",
    "int16": "I16",
    "int8": "I8",
    "uint64": "U64",
    "uint32": "U32",
    "uint16": "U16",
    "uint8": "U8",
    "bool": "BOOL",
    "float8_e4m3fn": "F8_E4M3",
    "float8_e5m2": "F8_E5M2",
    "complex64": "C64",
}


def _tensor_bytes(tensor: torch.Tensor) -> bytes:
    """The raw little-endian bytes of a contiguous CPU tensor, without numpy."""
    size = tensor.numel() * tensor.element_size()
    return ctypes.string_at(tensor.data_ptr(), size) if size else b""


def _write_safetensors(tensors: Mapping[str, torch.Tensor], path: str, metadata: Mapping[str, str] | None) -> None:
    """Write the safetensors format directly: an 8-byte header length, a JSON header, then the raw bytes.

    ``safetensors.torch.save_file`` goes through numpy, which the ``safetensors``
    extra does not install; this writer needs only torch. Files are read back with
    ``safetensors.torch.load_file``.
    """
    header: dict[str, Any] = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs = []
    offset = 0
    for name, tensor in tensors.items():
        code = _SAFETENSORS_DTYPES.get(str(tensor.dtype).removeprefix("torch."))
        if code is None:
            raise TypeError(f"a .safetensors file cannot hold {name!r} of dtype {tensor.dtype}")
        data = _tensor_bytes(tensor.detach().cpu().contiguous())
        header[name] = {"dtype": code, "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    encoded = json.dumps(header, separators=(",", ":")).encode("utf-8")
    encoded += b" " * (-len(encoded) % 8)
    with open(path, "wb") as out:
        out.write(struct.pack("<Q", len(encoded)))
        out.write(encoded)
        for data in blobs:
            out.write(data)


def write_checkpoint_file(obj: Any, path: str | os.PathLike[str], metadata: Mapping[str, str] | None = None) -> Path:
    """Write ``obj`` to ``path`` atomically: readers see the old file or the whole new one.

    A ``.safetensors`` path needs ``obj`` to be a flat mapping of names to tensors
    and stores ``metadata`` (strings) in the header (written without numpy, so
    the ``safetensors`` extra is enough); any other suffix uses ``torch.save`` and
    ignores ``metadata``.

    >>> import tempfile, os
    >>> path = os.path.join(tempfile.mkdtemp(), 'w.pth')
    >>> write_checkpoint_file({'w': torch.zeros(1)}, path).name
    'w.pth'
    """
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        if path.suffix == SAFETENSORS_SUFFIX:
            if not isinstance(obj, Mapping) or not all(isinstance(v, torch.Tensor) for v in obj.values()):
                raise TypeError(
                    f"a .safetensors file holds a mapping of names to tensors only; got {type(obj).__name__}"
                )
            sparse = next((name for name, tensor in obj.items() if tensor.layout != torch.strided), None)
            if sparse is not None:  # checked before _unshared, whose .contiguous() fails obscurely on them
                raise TypeError(f"a .safetensors file holds dense tensors only; {sparse!r} is {obj[sparse].layout}")
            tensors = _unshared(obj)
            if sys.byteorder == "little":
                _write_safetensors(tensors, tmp_name, metadata)
            else:  # the format is little-endian; let safetensors swap the bytes
                _safetensors_torch().save_file(tensors, tmp_name, metadata=dict(metadata) if metadata else None)
        else:
            torch.save(obj, tmp_name)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path

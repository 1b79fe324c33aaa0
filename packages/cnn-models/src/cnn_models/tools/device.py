"""``check_device``: the device a run asks for, refused early and clearly when this machine lacks it."""

from __future__ import annotations

import torch


def check_device(device: str | torch.device) -> torch.device:
    """``torch.device(device)``, or a ValueError naming the device and what to use instead.

    >>> check_device('cpu')
    device(type='cpu')
    >>> check_device('gpu')
    Traceback (most recent call last):
    ...
    ValueError: device='gpu' is not a torch device; use 'cpu', 'cuda', 'cuda:1', 'mps', ...
    """
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(f"device={device!r} is not a torch device; use 'cpu', 'cuda', 'cuda:1', 'mps', ...") from None
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            why = "this torch is built without CUDA" if torch.version.cuda is None else "no GPU is visible"
            raise ValueError(f"device={str(device)!r} asks for CUDA, but {why}; use device 'cpu'")
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise ValueError(f"device={str(device)!r}: there are only {torch.cuda.device_count()} GPUs")
    if dev.type == "mps" and not torch.backends.mps.is_available():
        raise ValueError(f"device={str(device)!r} asks for Apple's MPS, which is not available here; use 'cpu'")
    return dev

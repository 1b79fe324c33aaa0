"""``to_channels_last``: the memory format convolutions run fastest in on CPUs and tensor-core GPUs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeVar, cast

import torch
from torch import nn

T = TypeVar("T")


def memory_format_for(tensor: torch.Tensor) -> torch.memory_format | None:
    """``channels_last`` for 4-D tensors, ``channels_last_3d`` for 5-D ones, else ``None``."""
    return {4: torch.channels_last, 5: torch.channels_last_3d}.get(tensor.dim())


def tensors_to_channels_last(inputs: T) -> T:
    """``inputs`` (a tensor, or lists, tuples and dicts of them) with 4-D and 5-D tensors made channels-last.

    Other tensors and values are returned as they are.

    >>> x = tensors_to_channels_last({'image': torch.rand(1, 3, 4, 4), 'scale': torch.ones(2)})
    >>> x['image'].is_contiguous(memory_format=torch.channels_last), x['scale'].shape
    (True, torch.Size([2]))
    """
    if isinstance(inputs, torch.Tensor):
        memory_format = memory_format_for(inputs)
        return inputs if memory_format is None else cast(T, inputs.contiguous(memory_format=memory_format))
    if isinstance(inputs, Mapping):
        return type(inputs)({k: tensors_to_channels_last(v) for k, v in inputs.items()})  # type: ignore[call-arg]
    if isinstance(inputs, tuple) and hasattr(inputs, "_fields"):  # a namedtuple
        return type(inputs)(*(tensors_to_channels_last(v) for v in inputs))
    if isinstance(inputs, (list, tuple)):
        return type(inputs)(tensors_to_channels_last(v) for v in inputs)
    return inputs


@torch.no_grad()
def to_channels_last(model: nn.Module, inputs: T | None = None) -> Any:
    """Make a model's 4-D/5-D parameters and buffers, and optionally its inputs, channels-last.

    Outputs are unchanged; convolutions and BatchNorms then run without
    reordering memory. Inputs must be channels-last too for the speed-up,
    hence both in one call.

    Args:
        model: the model, converted in place.
        inputs: a tensor, or a list, tuple or dict of them; ``None`` to convert the model only.

    Returns:
        ``model`` when ``inputs`` is ``None``, else ``(model, converted_inputs)``.

    >>> model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8)).eval()
    >>> model, x = to_channels_last(model, torch.rand(2, 3, 8, 8))
    >>> model[0].weight.is_contiguous(memory_format=torch.channels_last)
    True
    >>> model(x).is_contiguous(memory_format=torch.channels_last)
    True
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"to_channels_last: model must be an nn.Module, got {type(model).__name__}: {model!r}")
    for module in model.modules():
        for tensors in (module._parameters, module._buffers):
            for tensor in tensors.values():
                memory_format = None if tensor is None else memory_format_for(tensor)
                if tensor is not None and memory_format is not None:
                    tensor.data = tensor.data.contiguous(memory_format=memory_format)
    return model if inputs is None else (model, tensors_to_channels_last(inputs))

"""``SyncBatchNorm``: batch norm over the batch of every process, on any device.

``torch.nn.SyncBatchNorm`` only synchronises GPU tensors. This subclass uses
torch's kernels on GPUs and, on other devices, all-reduces per-channel sums
and counts with autograd-aware collectives, so forward and backward equal
batch norm over the concatenated global batch, whatever each rank's batch
size. With no process group it is plain batch norm.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.distributed as dist
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from .registry import NORM_LAYERS

# Devices torch's own SyncBatchNorm kernels handle.
TORCH_SYNC_DEVICES = ("cuda", "hpu", "xpu")


class _AllReduceSum(torch.autograd.Function):
    """Sum a tensor over the group; the gradient of every rank's input is the sum of all ranks' gradients."""

    @staticmethod
    def forward(ctx: Any, tensor: torch.Tensor, group: dist.ProcessGroup | None) -> torch.Tensor:
        ctx.group = group
        total = tensor.clone()
        dist.all_reduce(total, group=group)
        return total

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor, None]:
        total = grad.clone()
        dist.all_reduce(total, group=ctx.group)
        return total, None


def all_reduce_sum(tensor: torch.Tensor, group: dist.ProcessGroup | None) -> torch.Tensor:
    """``tensor`` summed over ``group`` (``None``: the world), differentiable.

    torch.distributed.nn.functional.all_reduce does the same but is deprecated.
    """
    return _AllReduceSum.apply(tensor, group)


def _sync_stats_needed(module: nn.SyncBatchNorm) -> bool:
    if not (module.training and dist.is_available() and dist.is_initialized()):
        return False
    return dist.get_world_size(module.process_group or dist.group.WORLD) > 1


@NORM_LAYERS.register_module(name="SyncBN")
class SyncBatchNorm(nn.SyncBatchNorm):
    """Synchronised batch norm that also works on CPU (gloo) and without a process group.

    Same arguments and state dict as ``torch.nn.SyncBatchNorm``; an instance
    of it, so ``isinstance(m, nn.SyncBatchNorm)`` checks keep working.

    Args:
        num_features: the number of channels ``C`` of an ``(N, C, ...)`` input.
        eps: added to the variance.
        momentum: running-statistics factor; ``None`` for a cumulative average.
        affine: learn a per-channel weight and bias.
        track_running_stats: keep running mean and variance.
        process_group: the group to synchronise over; ``None`` for the world.

    >>> bn = SyncBatchNorm(3)
    >>> x = torch.randn(4, 3, 2, 2)
    >>> torch.allclose(bn(x), torch.nn.functional.batch_norm(x, None, None, training=True))
    True
    """

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        process_group: Any | None = None,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, process_group)

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        if input.device.type in TORCH_SYNC_DEVICES:
            return super().forward(input)
        if _sync_stats_needed(self):
            return self._forward_all_reduce(input)
        # torch's SyncBatchNorm refuses CPU tensors whenever a process group exists, even of size 1
        return _BatchNorm.forward(self, input)

    def _forward_all_reduce(self, x: torch.Tensor) -> torch.Tensor:
        """Normalise with the mean and variance of the global batch, gathered by two all-reduces."""
        self._check_input_dim(x)
        group = self.process_group or dist.group.WORLD
        reduce_dims = [0, *range(2, x.dim())]
        count = torch.tensor([x.numel() // x.size(1)], dtype=x.dtype, device=x.device)
        sums = all_reduce_sum(torch.cat([x.sum(reduce_dims), count]), group)
        total = sums[-1]
        if total.item() < 2:
            raise ValueError(
                f"SyncBatchNorm: expected more than 1 value per channel over all processes, got {tuple(x.shape)}"
            )
        mean = sums[:-1] / total
        shape = [1, -1] + [1] * (x.dim() - 2)
        centred = x - mean.view(shape)
        var = all_reduce_sum(centred.pow(2).sum(reduce_dims), group) / total
        out = centred * torch.rsqrt(var + self.eps).view(shape)
        if self.affine:
            out = out * self.weight.view(shape) + self.bias.view(shape)
        running_mean, running_var, tracked = self.running_mean, self.running_var, self.num_batches_tracked
        if self.track_running_stats and running_mean is not None and running_var is not None and tracked is not None:
            tracked.add_(1)
            factor = 1.0 / float(tracked) if self.momentum is None else self.momentum
            with torch.no_grad():
                running_mean.mul_(1 - factor).add_(mean.detach(), alpha=factor)
                running_var.mul_(1 - factor).add_(var.detach() * total / (total - 1), alpha=factor)
        return out


def convert_sync_batchnorm(module: nn.Module, process_group: dist.ProcessGroup | None = None) -> nn.Module:
    """Replace every batch norm in ``module`` by `SyncBatchNorm`, keeping parameters and buffers.

    Returns the converted module (``module`` itself is changed in place unless it is a batch norm).

    >>> net = nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4))
    >>> type(convert_sync_batchnorm(net)[1]).__name__
    'SyncBatchNorm'
    """
    if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
        sync = SyncBatchNorm(
            module.num_features, module.eps, module.momentum, module.affine, module.track_running_stats, process_group
        )
        converted: nn.Module = _copy_norm(module, sync)
    else:
        converted = module
    for name, child in module.named_children():
        converted.add_module(name, convert_sync_batchnorm(child, process_group))
    return converted


def revert_sync_batchnorm(module: nn.Module) -> nn.Module:
    """Replace every synchronised batch norm (ours or torch's) by the plain ``BatchNorm`` of its input size.

    The dimensionality is unknown until a tensor arrives, so the replacement
    is ``nn.BatchNorm2d``'s generic parent checked only for ``dim >= 2``.

    >>> net = nn.Sequential(SyncBatchNorm(4))
    >>> type(revert_sync_batchnorm(net)[0]).__name__
    'BatchNormNd'
    """
    if isinstance(module, nn.SyncBatchNorm):
        plain = BatchNormNd(module.num_features, module.eps, module.momentum, module.affine, module.track_running_stats)
        converted: nn.Module = _copy_norm(module, plain)
    else:
        converted = module
    for name, child in module.named_children():
        converted.add_module(name, revert_sync_batchnorm(child))
    return converted


class BatchNormNd(_BatchNorm):
    """Batch norm for any input of at least two dimensions, what a reverted SyncBatchNorm becomes.

    >>> BatchNormNd(2)(torch.randn(3, 2, 4, 4, 4)).shape
    torch.Size([3, 2, 4, 4, 4])
    """

    def _check_input_dim(self, input: torch.Tensor) -> None:
        if input.dim() < 2:
            raise ValueError(f"BatchNormNd: expected an input of at least 2 dimensions (N, C, ...), got {input.dim()}D")


def _copy_norm(module: _BatchNorm, new: _BatchNorm) -> _BatchNorm:
    """``new`` with ``module``'s parameters, buffers, mode and qconfig (shared, not copied)."""
    if module.affine:
        with torch.no_grad():
            new.weight = module.weight
            new.bias = module.bias
    new.running_mean = module.running_mean
    new.running_var = module.running_var
    new.num_batches_tracked = module.num_batches_tracked
    new.train(module.training)
    if hasattr(module, "qconfig"):
        new.qconfig = module.qconfig
    return new

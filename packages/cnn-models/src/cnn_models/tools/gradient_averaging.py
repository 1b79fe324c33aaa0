"""``GradientAveraging``: data parallelism for the cases torch's DDP refuses.

``torch.nn.parallel.DistributedDataParallel`` rejects any
``nn.SyncBatchNorm`` (``cnn_layers.SyncBatchNorm`` included) on CPU, yet
``cnn_layers.SyncBatchNorm`` synchronises CPU batches over gloo. This
wrapper keeps the ranks in step the plain way: rank 0's weights and buffers
are broadcast once, and after each backward pass the gradients are averaged
over the ranks with one all-reduce.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.distributed as dist
from torch import nn


class GradientAveraging(nn.Module):
    """Wrap ``module`` for data-parallel training; call `average_gradients` after ``backward()``.

    Args:
        module: the model, identical in structure on every rank.
        process_group: the ranks to average over; ``None`` for the world.
    """

    def __init__(self, module: nn.Module, process_group: Any | None = None) -> None:
        super().__init__()
        if not dist.is_initialized():
            raise RuntimeError("GradientAveraging needs an initialised process group (launch with torchrun)")
        self.module = module
        self.process_group = process_group
        self.world_size = dist.get_world_size(process_group)
        with torch.no_grad():
            for tensor in module.state_dict().values():
                dist.broadcast(
                    tensor, src=dist.get_global_rank(process_group, 0) if process_group else 0, group=process_group
                )

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)

    @torch.no_grad()
    def average_gradients(self) -> None:
        """Replace every gradient by its mean over the ranks (one all-reduce of the flattened gradients)."""
        grads = [p.grad for p in self.module.parameters() if p.grad is not None]
        if not grads:
            return
        flat = torch.cat([g.reshape(-1) for g in grads])
        dist.all_reduce(flat, group=self.process_group)
        flat /= self.world_size
        offset = 0
        for g in grads:
            g.copy_(flat[offset : offset + g.numel()].view_as(g))
            offset += g.numel()

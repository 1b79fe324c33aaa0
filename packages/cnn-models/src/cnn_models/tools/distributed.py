"""``DistributedContext``: who this process is under ``torchrun``, and the process group."""

from __future__ import annotations

import os
from dataclasses import dataclass

import torch
import torch.distributed as dist


@dataclass(frozen=True)
class DistributedContext:
    """Rank, world size and device of this process; ``world_size == 1`` outside ``torchrun``.

    >>> ctx = DistributedContext.from_env(device='cpu', environ={})
    >>> ctx.rank, ctx.world_size, ctx.is_main, ctx.enabled
    (0, 1, True, False)
    """

    rank: int
    local_rank: int
    world_size: int
    device: torch.device

    @property
    def enabled(self) -> bool:
        """Whether there are several processes."""
        return self.world_size > 1

    @property
    def is_main(self) -> bool:
        """Whether this process prints and saves (rank 0)."""
        return self.rank == 0

    @classmethod
    def from_env(cls, device: str = "cpu", environ: dict[str, str] | None = None) -> DistributedContext:
        """Read ``RANK``, ``LOCAL_RANK`` and ``WORLD_SIZE`` as set by ``torchrun``.

        On CUDA each process takes the GPU of its local rank.
        """
        env = os.environ if environ is None else environ
        world_size = int(env.get("WORLD_SIZE", "1"))
        rank, local_rank = int(env.get("RANK", "0")), int(env.get("LOCAL_RANK", "0"))
        dev = torch.device(device)
        if dev.type == "cuda" and world_size > 1:
            dev = torch.device("cuda", local_rank)
        return cls(rank=rank, local_rank=local_rank, world_size=world_size, device=dev)

    def init_process_group(self) -> None:
        """Join the process group (gloo on CPU, nccl on CUDA) if there are several processes."""
        if self.enabled and not dist.is_initialized():
            if self.device.type == "cuda":
                torch.cuda.set_device(self.device)
            dist.init_process_group(backend="nccl" if self.device.type == "cuda" else "gloo")

    def destroy_process_group(self) -> None:
        """Leave the process group if this context joined one."""
        if self.enabled and dist.is_initialized():
            dist.destroy_process_group()

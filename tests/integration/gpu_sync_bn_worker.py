"""One rank of the SyncBatchNorm-over-nccl test; started by torchrun from test_gpu.py, not collected by pytest.

Usage: torchrun --standalone --nproc_per_node 2 gpu_sync_bn_worker.py OUT_DIR

Every rank rebuilds the same global batch, takes an uneven slice of it on its own GPU,
trains a converted SyncBatchNorm for one step and checks itself against plain BatchNorm
over the whole batch on the same device. It writes OUT_DIR/rank<N>.ok on success.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn

from cnn_layers import SyncBatchNorm, convert_sync_batchnorm

SIZES = (3, 5)  # per-rank batch sizes: uneven on purpose


def main() -> None:
    out = Path(sys.argv[1])
    dist.init_process_group("nccl")
    rank = dist.get_rank()
    device = torch.device("cuda", int(os.environ["LOCAL_RANK"]))
    torch.cuda.set_device(device)
    generator = torch.Generator().manual_seed(0)
    x = (torch.randn(sum(SIZES), 4, 5, 5, generator=generator) * 2 + 1).to(device)
    grad = torch.randn(x.shape, generator=generator).to(device)
    start, stop = sum(SIZES[:rank]), sum(SIZES[: rank + 1])

    reference = nn.BatchNorm2d(4).to(device)
    synced = convert_sync_batchnorm(nn.Sequential(nn.BatchNorm2d(4))).to(device)
    assert type(synced[0]) is SyncBatchNorm

    x_ref = x.clone().requires_grad_(True)
    (reference(x_ref) * grad).sum().backward()
    x_mine = x[start:stop].clone().requires_grad_(True)
    out_mine = synced(x_mine)
    (out_mine * grad[start:stop]).sum().backward()

    tol = dict(rtol=1e-4, atol=1e-4)
    torch.testing.assert_close(out_mine, reference(x)[start:stop].detach(), **tol)
    torch.testing.assert_close(x_mine.grad, x_ref.grad[start:stop], **tol)
    torch.testing.assert_close(synced[0].running_mean, reference.running_mean, **tol)
    torch.testing.assert_close(synced[0].running_var, reference.running_var, **tol)
    weight_grad = synced[0].weight.grad.clone()
    dist.all_reduce(weight_grad)  # parameter gradients are per rank; DDP sums them
    torch.testing.assert_close(weight_grad, reference.weight.grad, **tol)
    (out / f"rank{rank}.ok").write_text("ok")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()

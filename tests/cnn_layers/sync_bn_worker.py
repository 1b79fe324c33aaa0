"""One rank of the SyncBatchNorm process tests; started by test_sync_bn.py, not collected by pytest.

Usage: python sync_bn_worker.py RANK WORLD_SIZE OUT_DIR CASE [CASE ...]

A CASE is ``SIZES/DIMS``: comma-separated per-rank batch sizes (uneven or
zero allowed) and the input's number of dimensions, e.g. ``3,5/4``. For each
case every rank rebuilds the same global batch from a fixed seed, takes its
own slice, trains a converted model for two steps and saves what it saw to
``OUT_DIR/case<i>_rank<rank>.pt`` (or ``{"error": message}`` for a ValueError).
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

import torch
import torch.distributed as dist
from torch import nn

from cnn_layers import SyncBatchNorm, convert_sync_batchnorm

CHANNELS = 3


def global_data(sizes: list[int], dims: int) -> dict[str, torch.Tensor]:
    generator = torch.Generator().manual_seed(1234)
    shape = (sum(sizes), CHANNELS, *([3] * (dims - 2)))
    return {
        "x1": torch.randn(shape, generator=generator) * 2 + 1,
        "x2": torch.randn(shape, generator=generator) - 0.5,
        "g1": torch.randn(shape, generator=generator),
        "g2": torch.randn(shape, generator=generator),
        "weight": torch.rand(CHANNELS, generator=generator) + 0.5,
        "bias": torch.randn(CHANNELS, generator=generator),
    }


def run_case(rank: int, sizes: list[int], dims: int) -> dict[str, torch.Tensor]:
    data = global_data(sizes, dims)
    start, stop = sum(sizes[:rank]), sum(sizes[: rank + 1])

    norm = nn.BatchNorm1d(CHANNELS) if dims in (2, 3) else nn.BatchNorm2d(CHANNELS)
    model = convert_sync_batchnorm(nn.Sequential(norm))
    assert type(model[0]) is SyncBatchNorm
    with torch.no_grad():
        model[0].weight.copy_(data["weight"])
        model[0].bias.copy_(data["bias"])

    saved: dict[str, torch.Tensor] = {}
    for step in (1, 2):
        x = data[f"x{step}"][start:stop].clone().requires_grad_(True)
        out = model(x)
        (out * data[f"g{step}"][start:stop]).sum().backward()
        saved[f"out{step}"] = out.detach()
        saved[f"x_grad{step}"] = x.grad
    saved["weight_grad"] = model[0].weight.grad
    saved["bias_grad"] = model[0].bias.grad
    saved["running_mean"] = model[0].running_mean
    saved["running_var"] = model[0].running_var
    saved["num_batches_tracked"] = model[0].num_batches_tracked
    model.eval()
    saved["eval_out"] = model(data["x1"][start:stop])
    return saved


def main() -> None:
    warnings.simplefilter("error", FutureWarning)  # deprecated torch APIs fail the test
    rank, world_size, out_dir = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    # a file rendezvous: no port to pick, so no race with other processes on the machine
    rendezvous = f"file://{(out_dir / 'rendezvous').as_posix()}"
    dist.init_process_group("gloo", init_method=rendezvous, rank=rank, world_size=world_size)
    for index, case in enumerate(sys.argv[4:]):
        sizes, dims = case.split("/")
        try:
            saved = run_case(rank, [int(s) for s in sizes.split(",")], int(dims))
        except ValueError as exc:  # every rank sees the same global counts, so all fail alike
            saved = {"error": str(exc)}
        torch.save(saved, out_dir / f"case{index}_rank{rank}.pt")
    dist.barrier()  # every rank has finished its collectives and saved its results
    # Tearing gloo down at interpreter exit aborts now and then ("terminate called without an
    # active exception", pytorch/pytorch#190489); the results are on disk, so leave at once.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    main()

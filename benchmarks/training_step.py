"""Training step: forward + backward + SGD on a ResNet-50 classifier, ours against torchvision's, same settings.

Run in a venv with torchvision and cnn-models:

    python benchmarks/training_step.py [--runs 5] [--threads 2] [--batch 8] [--size 160] [--no-compile]

Ours is ``cnn_models.build_model(get_preset('resnet50'))`` trained through its
``mode='loss'`` (cross-entropy plus the top-1/top-5 accuracy it logs); the peer is
torchvision's ``resnet50`` with ``F.cross_entropy``. Each is stepped with
``torch.optim.SGD(lr=0.01, momentum=0.9)`` in three settings:

* eager: contiguous (NCHW) model and input;
* channels-last: model and input converted with ``memory_format=torch.channels_last``;
* compiled: channels-last, then ``torch.compile(model)`` (inductor, default options); the
  optimizer step stays eager.

Steps are timed in interleaved rounds (one step of each variant per round) so
that load from other processes hits all of them alike. The table gives the
median wall time of a step, the speed-up against the peer with the same
settings and against our eager step (above 1 is faster), and the compilation
time (the first step, forward and backward graphs; inductor's on-disk caches
are disabled so it is a cold one).
"""

from __future__ import annotations

import os

os.environ.setdefault("TORCHINDUCTOR_FORCE_DISABLE_CACHES", "1")  # cold compilations, every run

import argparse
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn


class Step:
    """One training step of one model in one setting, ready to time."""

    def __init__(self, name: str, model: nn.Module, loss: Callable[[nn.Module, Any, Any], torch.Tensor]) -> None:
        self.name = name
        self.model = model
        self.loss = loss
        self.optimizer = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        self.wall_ms: list[float] = []
        self.first_s = 0.0

    def __call__(self, x: torch.Tensor, y: torch.Tensor) -> float:
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss(self.model, x, y)
        loss.backward()
        self.optimizer.step()
        return loss.item()


def ours_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    losses = model(x, y, mode="loss")
    total: torch.Tensor = sum(v for k, v in losses.items() if "loss" in k)
    return total


def peer_loss(model: nn.Module, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(model(x), y)


def make_steps(compile_: bool) -> list[Step]:
    import torchvision

    from cnn_models import build_model, get_preset

    steps = []
    for setting in ("eager", "channels-last", "compiled") if compile_ else ("eager", "channels-last"):
        torch.manual_seed(0)
        ours = build_model(get_preset("resnet50")).train()
        peer = torchvision.models.resnet50(weights=None).train()
        for who, model, loss in (("peer", peer, peer_loss), ("ours", ours, ours_loss)):
            if setting != "eager":
                model = model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
            if setting == "compiled":
                model = torch.compile(model)
            steps.append(Step(f"{who} {setting}", model, loss))
    return steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed steps of each variant, interleaved")
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads")
    parser.add_argument("--batch", type=int, default=8, help="batch size")
    parser.add_argument("--size", type=int, default=160, help="input height and width")
    parser.add_argument("--no-compile", action="store_true", help="skip the compiled variants")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, Python {platform.python_version()}, "
        f"{args.runs} interleaved runs, load average at start {os.getloadavg()[0]:.1f}\n",
        flush=True,
    )
    x = torch.randn(args.batch, 3, args.size, args.size)
    x_cl = x.contiguous(memory_format=torch.channels_last)
    y = torch.randint(0, 1000, (args.batch,), generator=torch.Generator().manual_seed(0))
    steps = make_steps(not args.no_compile)
    inputs = {step.name: (x if step.name.endswith("eager") else x_cl) for step in steps}
    for step in steps:  # warm-up; the compiled ones compile here
        start = time.perf_counter()
        step(inputs[step.name], y)
        step.first_s = time.perf_counter() - start
    for _ in range(args.runs):
        for step in steps:
            start = time.perf_counter()
            step(inputs[step.name], y)
            step.wall_ms.append((time.perf_counter() - start) * 1000)

    medians = {step.name: statistics.median(step.wall_ms) for step in steps}
    title = f"ResNet-50 training step, {args.batch}×3×{args.size}×{args.size}, SGD"
    rows = [
        f"| {title} | wall ms | × peer, same settings | × ours eager | first step s |",
        "|---|---:|---:|---:|---:|",
    ]
    for step in steps:
        setting = step.name.split(" ", 1)[1]
        peer = medians[f"peer {setting}"]
        rows.append(
            f"| {step.name} | {medians[step.name]:.0f} | {peer / medians[step.name]:.2f} | "
            f"{medians['ours eager'] / medians[step.name]:.2f} | {step.first_s:.1f} |"
        )
    print("\n".join(rows))
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

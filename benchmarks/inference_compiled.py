"""Compiled inference: ``optimize_for_inference`` against torchvision's / timm's model, eager and compiled by hand.

Run in a venv with torchvision, timm, cnn-bundles and cnn-backbones:

    python benchmarks/inference_compiled.py [--runs 5] [--threads 2] [--batches 1 8] [--size 224]
        [--models resnet50 regnetx_3.2gf] [--bf16]

For each model and batch size, four ways to compute the same features
(ResNet-50: torchvision's ``resnet50`` without pooling and classifier; RegNetX-3.2GF:
timm's ``regnetx_032.forward_features``; ours hold the same weights, and every
output is checked against the peer's before timing):

* peer eager: the peer model as it comes, in eval mode, under ``torch.no_grad``;
* peer compiled by hand: ``torch.compile(peer, options={'freezing': True})`` (inductor), what a
  careful user writes;
* ours eager: our backbone as it comes;
* ours optimize_for_inference: ``cnn_bundles.optimize_for_inference(model, x)`` (fold, channels-last,
  inductor with freezing, checked).

Calls are timed in interleaved rounds (one call of each per round) so that load
from other processes hits all of them alike; the table gives the median wall
time, the speed-up against the peer's eager and compiled models from the same
run (above 1 is faster), the median CPU time of the process per call and its
speed-up against the peer's eager model (steadier than wall time on a loaded
machine, though it also counts the OpenMP threads' spin-waiting), the
set-up time (compilation, including the first call; for ours the whole
``optimize_for_inference`` call with its check) and how much the process's
resident memory grew while the variant was set up and first run (compiled
kernels, frozen weights, workspaces). Inductor's on-disk caches are disabled so
that every compilation is a cold one.
"""

from __future__ import annotations

import os

os.environ.setdefault("TORCHINDUCTOR_FORCE_DISABLE_CACHES", "1")  # cold compilations, every run

import argparse
import copy
import platform
import statistics
import time
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

from _peer_models import copy_weights, randomize_bn
from cnn_bundles import optimize_for_inference


def rss_mb() -> float:
    """The process's resident memory now, in MB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class TimmFeatures(nn.Module):
    """A timm model's ``forward_features`` as a module (no pooling, no classifier)."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.model.forward_features(x)  # type: ignore[operator]


def build(name: str) -> tuple[nn.Module, nn.Module, str]:
    """(ours, peer, peer's name): the same features with the same weights."""
    if name == "resnet50":
        import torchvision

        from cnn_backbones import ResNet

        ours = randomize_bn(ResNet(depth=50, out_indices=(3,))).eval()
        tv = torchvision.models.resnet50(weights=None)
        peer: nn.Module = nn.Sequential(*list(tv.children())[:-2])
        copy_weights(ours, peer)
        return ours, peer.eval(), f"torchvision {torchvision.__version__} resnet50"
    if name == "regnetx_3.2gf":
        import timm

        from cnn_backbones import RegNet

        ours = randomize_bn(RegNet(arch="regnetx_3.2gf", out_indices=(3,))).eval()
        timm_model = timm.create_model("regnetx_032", pretrained=False)
        timm_model.reset_classifier(0)
        peer = TimmFeatures(timm_model)
        state = {k: v for k, v in peer.state_dict().items() if ".head." not in k}
        peer.load_state_dict(dict(zip(state, ours.state_dict().values(), strict=True)), strict=False)
        return ours, peer.eval(), f"timm {timm.__version__} regnetx_032"
    raise ValueError(f"--models: unknown model {name!r}, expected resnet50 or regnetx_3.2gf")


def last(output: Any) -> torch.Tensor:
    return output[-1] if isinstance(output, (tuple, list)) else output


class Variant:
    """One way to compute the features: its call, set-up time and memory growth."""

    def __init__(self, name: str, setup: Callable[[], Callable[[], Any]]) -> None:
        self.name = name
        before, start = rss_mb(), time.perf_counter()
        with torch.no_grad():
            self.call = setup()
            self.output = last(self.call())  # the first call compiles
        self.setup_s = time.perf_counter() - start
        self.rss_growth_mb = rss_mb() - before
        self.wall_ms: list[float] = []
        self.cpu_ms: list[float] = []


def variants(ours: nn.Module, peer: nn.Module, x: torch.Tensor, bf16: bool) -> list[Variant]:
    def peer_compiled() -> Callable[[], Any]:
        compiled = torch.compile(copy.deepcopy(peer), options={"freezing": True})
        return lambda: compiled(x)

    def ours_optimized(dtype: torch.dtype | None = None) -> Callable[[], Callable[[], Any]]:
        def setup() -> Callable[[], Any]:
            fast = optimize_for_inference(ours, x, dtype=dtype)
            return lambda: fast(x)

        return setup

    result = [
        Variant("peer eager", lambda: lambda: peer(x)),
        Variant("peer compiled by hand (inductor + freezing)", peer_compiled),
        Variant("ours eager", lambda: lambda: ours(x)),
        Variant("ours optimize_for_inference", ours_optimized()),
    ]
    if bf16:
        result.append(Variant("ours optimize_for_inference, bfloat16", ours_optimized(torch.bfloat16)))
    return result


def check_outputs(results: list[Variant]) -> None:
    reference = results[0].output
    scale = max(1.0, reference.abs().max().item())
    for variant in results[1:]:
        tolerance = 5e-2 if "bfloat16" in variant.name else 1e-4
        difference = (variant.output.float() - reference).abs().max().item()
        if not difference <= tolerance * scale:
            raise AssertionError(f"{variant.name}: output differs from the peer's by {difference:.3g}")


def time_interleaved(results: list[Variant], runs: int) -> None:
    with torch.no_grad():
        for _ in range(runs):
            for variant in results:
                start_cpu, start_wall = time.process_time(), time.perf_counter()
                variant.call()
                variant.cpu_ms.append((time.process_time() - start_cpu) * 1000)
                variant.wall_ms.append((time.perf_counter() - start_wall) * 1000)


def table(title: str, results: list[Variant]) -> str:
    peer_eager = statistics.median(results[0].wall_ms)
    peer_compiled = statistics.median(results[1].wall_ms)
    peer_eager_cpu = statistics.median(results[0].cpu_ms)
    rows = [
        f"| {title} | wall ms | × peer eager | × peer compiled | CPU ms | CPU × peer eager | set-up s | RSS +MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for v in results:
        wall, cpu = statistics.median(v.wall_ms), statistics.median(v.cpu_ms)
        rows.append(
            f"| {v.name} | {wall:.1f} | {peer_eager / wall:.2f} | {peer_compiled / wall:.2f} | "
            f"{cpu:.1f} | {peer_eager_cpu / cpu:.2f} | {v.setup_s:.1f} | {v.rss_growth_mb:.0f} |"
        )
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed calls of each variant, interleaved")
    parser.add_argument("--threads", type=int, default=2, help="intra-op threads")
    parser.add_argument("--batches", type=int, nargs="+", default=[1, 8], help="batch sizes")
    parser.add_argument("--size", type=int, default=224, help="input height and width")
    parser.add_argument("--models", nargs="+", default=["resnet50", "regnetx_3.2gf"], help="models to time")
    parser.add_argument("--bf16", action="store_true", help="also time optimize_for_inference(dtype=torch.bfloat16)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, Python {platform.python_version()}, "
        f"{platform.processor() or platform.machine()}, {args.runs} interleaved runs, "
        f"load average at start {os.getloadavg()[0]:.1f}\n"
    )
    for name in args.models:
        try:
            ours, peer, peer_name = build(name)
        except ImportError as exc:
            print(f"{name} skipped: it needs torchvision, timm and cnn-backbones ({exc})\n")
            continue
        for batch in args.batches:
            torch._dynamo.reset()
            x = torch.randn(batch, 3, args.size, args.size)
            results = variants(ours, peer, x, args.bf16)
            check_outputs(results)
            time_interleaved(results, args.runs)
            title = f"{name}, {batch}×3×{args.size}×{args.size} (peer: {peer_name})"
            print(table(title, results), flush=True)
            print(f"\nload average after: {os.getloadavg()[0]:.1f}\n", flush=True)


if __name__ == "__main__":
    main()

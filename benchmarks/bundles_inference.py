"""Inference helpers of cnn-bundles: eager vs fused vs fused + channels-last, against the torch/torchvision peer.

Run with torchvision installed (and cnn-backbones for the ResNet-50 rows):

    python benchmarks/bundles_inference.py [--rounds 25] [--batch 2] [--size 56] [--resnet-size 160] [--threads 1]

Every model is timed in the same run, in interleaved rounds (one call of each
model per round) so that load from other processes hits all of them alike;
torch runs single-threaded by default here, so the calling thread does all the
work and its CPU time (``time.thread_time``) measures the model while barely
depending on what other processes do to the machine. The table gives the
median CPU time per call, its ratio to the peer's eager model (below 1 is
faster), and the median wall-clock time for reference.
Outputs are checked against the peer's before timing.
"""

from __future__ import annotations

import argparse
import copy
import platform
import statistics
import time
from collections.abc import Callable

import torch
from torch import nn

from _peer_models import copy_weights, randomize_bn
from cnn_bundles import ConvModule, fuse_conv_bn, to_channels_last


def conv_module_stack(depth: int = 6, channels: int = 64, **kwargs: object) -> nn.Sequential:
    """The bundle under test: conv 3x3 + BN + ReLU blocks."""
    return nn.Sequential(
        ConvModule(3, channels, 3, padding=1, norm_cfg=dict(type="BN"), **kwargs),
        *[ConvModule(channels, channels, 3, padding=1, norm_cfg=dict(type="BN"), **kwargs) for _ in range(depth - 1)],
    )


def plain_stack(depth: int = 6, channels: int = 64) -> nn.Sequential:
    """The peer: the same layers written with torch.nn alone."""
    layers: list[nn.Module] = []
    for i in range(depth):
        layers += [nn.Conv2d(3 if i == 0 else channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels)]
        layers.append(nn.ReLU(inplace=True))
    return nn.Sequential(*layers)


def variants(ours: nn.Module, peer: nn.Module, x: torch.Tensor) -> dict[str, Callable[[], torch.Tensor]]:
    """The calls to time; every one must compute the peer's function."""
    fused = fuse_conv_bn(copy.deepcopy(ours))
    fused_cl, x_cl = to_channels_last(fuse_conv_bn(copy.deepcopy(ours)), x.clone())
    peer_cl, _ = to_channels_last(fuse_conv_bn(copy.deepcopy(peer)), x.clone())
    calls = {"peer eager": lambda: peer(x), "ours eager": lambda: ours(x)}
    if any(isinstance(m, ConvModule) for m in ours.modules()):
        on_the_fly = copy.deepcopy(ours)
        for m in on_the_fly.modules():
            if isinstance(m, ConvModule):
                m.efficient_conv_bn_eval = True
        calls["ours efficient_conv_bn_eval"] = lambda: on_the_fly(x)
    calls["ours fused"] = lambda: fused(x)
    calls["ours fused + channels-last"] = lambda: fused_cl(x_cl)
    calls["peer fused + channels-last"] = lambda: peer_cl(x_cl)
    return calls


Timing = dict[str, tuple[list[float], list[float]]]  # name -> (CPU ms, wall ms) per call


def time_interleaved(calls: dict[str, Callable[[], torch.Tensor]], rounds: int) -> Timing:
    cpu: dict[str, list[float]] = {name: [] for name in calls}
    wall: dict[str, list[float]] = {name: [] for name in calls}
    with torch.inference_mode():
        reference = calls["peer eager"]()
        for name, call in calls.items():
            out = call()  # also the warm-up
            out = out[-1] if isinstance(out, (tuple, list)) else out
            ref = reference[-1] if isinstance(reference, (tuple, list)) else reference
            scale = ref.abs().max().item()
            if not torch.allclose(out, ref, rtol=1e-4, atol=1e-5 * scale):
                raise AssertionError(f"{name}: output differs from the peer's by {(out - ref).abs().max().item()}")
        for _ in range(rounds):
            for name, call in calls.items():
                start_cpu, start_wall = time.thread_time(), time.perf_counter()
                call()
                cpu[name].append((time.thread_time() - start_cpu) * 1000)
                wall[name].append((time.perf_counter() - start_wall) * 1000)
    return {name: (cpu[name], wall[name]) for name in calls}


def table(title: str, timing: Timing) -> str:
    base = statistics.median(timing["peer eager"][0])
    rows = [
        f"| {title} | CPU ms (median) | × peer eager | wall ms (median) |",
        "|---|---:|---:|---:|",
    ]
    for name, (cpu, wall) in timing.items():
        cpu_ms = statistics.median(cpu)
        rows.append(f"| {name} | {cpu_ms:.1f} | {cpu_ms / base:.2f} | {statistics.median(wall):.1f} |")
    return "\n".join(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=25, help="timed calls of each model")
    parser.add_argument("--batch", type=int, default=2, help="batch of the ConvModule stack")
    parser.add_argument("--size", type=int, default=56, help="input size of the ConvModule stack")
    parser.add_argument("--resnet-size", type=int, default=160, help="input size of ResNet-50 (batch 1)")
    parser.add_argument("--threads", type=int, default=1, help="intra-op threads (1 is steadiest on a shared machine)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.set_num_interop_threads(1)
    torch.manual_seed(0)
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, Python {platform.python_version()}, "
        f"{args.rounds} interleaved rounds\n"
    )

    ours = randomize_bn(conv_module_stack()).eval()
    peer = plain_stack().eval()
    copy_weights(ours, peer)
    x = torch.randn(args.batch, 3, args.size, args.size)
    title = f"6 × ConvModule(64, 3x3, BN, ReLU), {args.batch}×3×{args.size}×{args.size}"
    print(table(title, time_interleaved(variants(ours, peer, x), args.rounds)))
    print()

    try:
        import torchvision

        from cnn_backbones import ResNet
    except ImportError as exc:
        print(f"ResNet-50 rows skipped: they need torchvision and cnn-backbones ({exc})")
        return
    ours = randomize_bn(ResNet(depth=50, out_indices=(3,))).eval()
    tv = torchvision.models.resnet50(weights=None)
    peer = nn.Sequential(*list(tv.children())[:-2]).eval()  # the same function: no pooling, no classifier
    peer.load_state_dict(dict(zip(peer.state_dict(), ours.state_dict().values(), strict=True)))
    x = torch.randn(1, 3, args.resnet_size, args.resnet_size)
    title = f"ResNet-50 features, 1×3×{args.resnet_size}×{args.resnet_size} (peer: torchvision)"
    print(table(title, time_interleaved(variants(ours, peer, x), args.rounds)))


if __name__ == "__main__":
    main()

"""cnn-backbones against torchvision/timm: eager forward, forward+backward, and the inference helpers.

Run in an environment with torchvision and timm (the peers venv):

    python benchmarks/backbones_speed.py [--rounds 15] [--batch 2] [--size 128] [--threads 1]

Every pair computes the same function with the same weights (checked before timing). Calls are
timed in interleaved rounds, one call of each variant per round, so load from other processes
hits all of them alike; torch runs single-threaded by default, so the calling thread's CPU time
(``time.thread_time``) measures the work and barely depends on the rest of the machine. The
tables give median CPU milliseconds per call and the ratio ours / peer (below 1 is faster).
"""

from __future__ import annotations

import argparse
import copy
import platform
import re
import statistics
import time
from collections.abc import Callable

import timm
import torch
import torchvision
from torch import nn

from _peer_models import randomize_bn
from cnn_backbones import HRNet, RegNet, ResNet, ResNeXt
from cnn_bundles import fuse_conv_bn, to_channels_last


def rename(state: dict[str, torch.Tensor], rules: list[tuple[str, object]], drop: tuple[str, ...]) -> dict:
    out = {}
    for key, value in state.items():
        if key.startswith(drop):
            continue
        for pattern, repl in rules:
            key = re.sub(pattern, repl, key)  # type: ignore[call-overload]
        out[key] = value
    return out


REGNET_RULES: list[tuple[str, object]] = [
    (r"^stem\.conv\.", "conv1."),
    (r"^stem\.bn\.", "bn1."),
    (r"^s(\d)\.b(\d+)\.", lambda m: f"layer{m[1]}.{int(m[2]) - 1}."),
    (r"\.conv(\d)\.conv\.", r".conv\1."),
    (r"\.conv(\d)\.bn\.", r".bn\1."),
    (r"\.downsample\.conv\.", ".downsample.0."),
    (r"\.downsample\.bn\.", ".downsample.1."),
]


class TorchvisionFeatures(nn.Module):
    """A torchvision ResNet without avgpool/fc, returning the last stage like ``out_indices=(3,)``."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.body = nn.Sequential(*list(model.children())[:-2])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class TimmStages(nn.Module):
    """timm's stem + stages, without the classification head."""

    def __init__(self, model: nn.Module, hrnet: bool = False) -> None:
        super().__init__()
        self.model, self.hrnet = model, hrnet

    def forward(self, x: torch.Tensor) -> torch.Tensor | list[torch.Tensor]:
        m = self.model
        if self.hrnet:
            x = m.act2(m.bn2(m.conv2(m.act1(m.bn1(m.conv1(x))))))
            return m.stages(x)
        return m.s4(m.s3(m.s2(m.s1(m.stem(x)))))


def pairs() -> dict[str, tuple[nn.Module, nn.Module]]:
    """(ours, peer) with the peer's weights copied into ours."""
    out = {}
    tv = randomize_bn(torchvision.models.resnet50())
    ours = ResNet(50, out_indices=(3,))
    ours.load_state_dict({k: v for k, v in tv.state_dict().items() if not k.startswith("fc.")})
    out["ResNet-50 (torchvision)"] = (ours, TorchvisionFeatures(tv))
    tv = randomize_bn(torchvision.models.resnext50_32x4d())
    ours = ResNeXt(50, groups=32, base_width=4, out_indices=(3,))
    ours.load_state_dict({k: v for k, v in tv.state_dict().items() if not k.startswith("fc.")})
    out["ResNeXt-50 32x4d (torchvision)"] = (ours, TorchvisionFeatures(tv))
    tm = randomize_bn(timm.create_model("regnetx_032"))
    ours = RegNet("regnetx_3.2gf", out_indices=(3,))
    ours.load_state_dict(rename(tm.state_dict(), REGNET_RULES, ("head.",)))
    out["RegNetX-3.2GF (timm)"] = (ours, TimmStages(tm))
    tm = randomize_bn(timm.create_model("hrnet_w18"))
    ours = HRNet("w18")
    head = ("incre_modules", "downsamp_modules", "final_layer", "classifier")
    ours.load_state_dict({k: v for k, v in tm.state_dict().items() if not k.startswith(head)})
    out["HRNet-W18 (timm)"] = (ours, TimmStages(tm, hrnet=True))
    return out


def last(out: torch.Tensor | tuple | list) -> torch.Tensor:
    return out[-1] if isinstance(out, (tuple, list)) else out


def total(out: torch.Tensor | tuple | list) -> torch.Tensor:
    return sum(o.float().mean() for o in out) if isinstance(out, (tuple, list)) else out.float().mean()


def check(ours: Callable, peer: Callable, tolerance: float) -> float:
    """The largest difference of the last feature maps relative to the peer's largest value; must be < tolerance."""
    with torch.no_grad():
        a, b = last(ours()), last(peer())
    diff = ((a - b).abs().max() / b.abs().max()).item()
    if diff > tolerance:
        raise AssertionError(f"outputs differ by {diff:.2e} of their range, more than {tolerance}")
    return diff


def interleaved(calls: dict[str, Callable[[], object]], rounds: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in calls}
    for call in calls.values():
        call()  # warm-up
    for _ in range(rounds):
        for name, call in calls.items():
            start = time.thread_time()
            call()
            times[name].append((time.thread_time() - start) * 1000)
    return {name: statistics.median(t) for name, t in times.items()}


def forward_backward(model: nn.Module, x: torch.Tensor) -> Callable[[], None]:
    def step() -> None:
        model.zero_grad(set_to_none=True)
        total(model(x)).backward()

    return step


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--batch", type=int, default=2)
    parser.add_argument("--size", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = torch.rand(args.batch, 3, args.size, args.size)
    print(
        f"torch {torch.__version__}, torchvision {torchvision.__version__}, timm {timm.__version__}, "
        f"{platform.processor() or platform.machine()}, {args.threads} thread(s), "
        f"input {args.batch}x3x{args.size}x{args.size}, {args.rounds} rounds\n"
    )
    rows = [
        "| network (peer) | forward ours ms | forward peer ms | ratio | fwd+bwd ours ms | fwd+bwd peer ms | ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, (ours, peer) in pairs().items():
        ours.eval(), peer.eval()
        check(lambda o=ours: o(x), lambda p=peer: p(x), tolerance=1e-5)
        with torch.no_grad():
            fwd = interleaved({"ours": lambda o=ours: o(x), "peer": lambda p=peer: p(x)}, args.rounds)
        ours.train(), peer.train()
        bwd = interleaved({"ours": forward_backward(ours, x), "peer": forward_backward(peer, x)}, args.rounds)
        rows.append(
            f"| {name} | {fwd['ours']:.1f} | {fwd['peer']:.1f} | {fwd['ours'] / fwd['peer']:.3f} "
            f"| {bwd['ours']:.1f} | {bwd['peer']:.1f} | {bwd['ours'] / bwd['peer']:.3f} |"
        )
    print("\n".join(rows))

    ours, peer = pairs()["ResNet-50 (torchvision)"]
    ours.eval(), peer.eval()
    fused, x_cl = to_channels_last(fuse_conv_bn(copy.deepcopy(ours)), x.clone())
    folded = fuse_conv_bn(copy.deepcopy(ours))
    diff = check(lambda: fused(x_cl), lambda: peer(x), tolerance=1e-4)
    with torch.inference_mode():
        times = interleaved(
            {
                "torchvision eager": lambda: peer(x),
                "ours eager": lambda: ours(x),
                "ours conv-bn folded": lambda: folded(x),
                "ours folded + channels-last": lambda: fused(x_cl),
            },
            args.rounds,
        )
    base = times["torchvision eager"]
    print(f"\nResNet-50 inference; folded + channels-last differs from torchvision by {diff:.1e} of the range\n")
    print("| ResNet-50 inference | CPU ms (median) | speed-up vs torchvision eager |\n|---|---:|---:|")
    for name, ms in times.items():
        print(f"| {name} | {ms:.1f} | {base / ms:.2f}x |")


if __name__ == "__main__":
    main()

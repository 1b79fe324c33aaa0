"""What cnn-layers' own layers cost against the torch / timm / torchvision layer computing the same thing.

Run in an environment with torchvision and timm (the peer venv)::

    python benchmarks/layers_overhead.py

Each pair is checked for equal outputs (where the functions are equal), then
timed forward + backward in eager mode, interleaved, on one thread; the table
gives the fastest run and the median of each, and their ratios ours / peer
(the fastest run is the figure least disturbed by other load on the machine).
"""

from __future__ import annotations

import statistics
import time

import torch
from timm.layers import Conv2dSame, StdConv2d
from timm.layers import DropPath as TimmDropPath
from torch import nn
from torchvision.ops import DeformConv2d as TorchvisionDeformConv2d

from cnn_layers import Conv2dAdaptivePadding, ConvWS2d, DeformConv2d, DropPath, HSigmoid, SyncBatchNorm

REPEATS = 30
SHAPE = (8, 32, 28, 28)


class TorchvisionDCN(nn.Module):
    """torchvision's DeformConv2d fed by an external offset conv: the computation DCN does."""

    def __init__(self, ours: DeformConv2d):
        super().__init__()
        self.conv_offset = ours.conv_offset
        self.deform = TorchvisionDeformConv2d(32, 32, 3, padding=1, bias=False)
        self.deform.weight = ours.weight

    def forward(self, x):
        return self.deform(x, self.conv_offset(x))


def pairs():
    torch.manual_seed(0)
    sync = SyncBatchNorm(32)
    yield "SyncBatchNorm (no process group)", sync, nn.BatchNorm2d(32), "nn.BatchNorm2d", True
    yield "HSigmoid", HSigmoid(), nn.Hardsigmoid(), "nn.Hardsigmoid", True
    ours = Conv2dAdaptivePadding(32, 32, 3, stride=2)
    peer = Conv2dSame(32, 32, 3, stride=2)
    peer.load_state_dict(ours.state_dict())
    yield "Conv2dAdaptivePadding", ours, peer, "timm Conv2dSame", True
    # timm standardises with biased variance and eps inside the sqrt: same cost, slightly different numbers
    yield "ConvWS2d", ConvWS2d(32, 32, 3, padding=1, bias=False), StdConv2d(32, 32, 3), "timm StdConv2d", False
    yield "DropPath(0.2), training", DropPath(0.2), TimmDropPath(0.2), "timm DropPath", False
    dcn = DeformConv2d(32, 32, 3, padding=1)
    with torch.no_grad():
        dcn.conv_offset.weight.normal_(0, 0.01)
    yield "DCN (DeformConv2d)", dcn, TorchvisionDCN(dcn), "torchvision DeformConv2d + offset conv", True


def step(module, x):
    module(x).sum().backward()


def run_ms(module, x):
    start = time.perf_counter()
    step(module, x)
    return (time.perf_counter() - start) * 1e3


def main() -> None:
    torch.set_num_threads(1)
    rows = []
    for name, ours, peer, peer_name, same_function in pairs():
        x = torch.randn(SHAPE, requires_grad=True)
        if same_function:
            torch.testing.assert_close(ours(x), peer(x), rtol=1e-4, atol=1e-4)
        for _ in range(3):
            step(ours, x), step(peer, x)
        ours_ms, peer_ms = [], []
        for _ in range(REPEATS):
            ours_ms.append(run_ms(ours, x))
            peer_ms.append(run_ms(peer, x))
        fastest = min(ours_ms), min(peer_ms)
        median = statistics.median(ours_ms), statistics.median(peer_ms)
        rows.append((name, peer_name, fastest, median, "yes" if same_function else "no (same cost class)"))
    print(f"torch {torch.__version__}, input {SHAPE}, 1 thread, forward + backward, {REPEATS} runs each\n")
    print("| layer | peer | fastest ours / peer (ms) | ratio | median ours / peer (ms) | ratio | same output |")
    print("|---|---|---:|---:|---:|---:|---|")
    for name, peer_name, (fa, fb), (ma, mb), same in rows:
        times = [f"{fa:.2f} / {fb:.2f}", f"{fa / fb:.2f}", f"{ma:.2f} / {mb:.2f}", f"{ma / mb:.2f}"]
        cells = [name, peer_name, *times, same]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

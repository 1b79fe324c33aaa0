"""Loading a ResNet-50-sized checkpoint: cnn_zoo's cached load vs plain torch.load + load_state_dict.

    python benchmarks/zoo_load.py [--repeats 7]

The checkpoint has the real ResNet-50 key names and shapes (25.6M parameters,
random values), built from the architecture's description without torchvision.
It is served once from a loopback HTTP server so that cnn_zoo loads it from its
download cache by URL (hash already verified, as on every later run); the peer
loads the same file with ``torch.load`` and ``Module.load_state_dict``. Both use
``weights_only=True`` and ``strict=True`` semantics. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import gc
import hashlib
import os
import statistics
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import torch
from torch import nn


def resnet50_shapes() -> dict[str, tuple[int, ...]]:
    """State-dict keys and shapes of ResNet-50 (torchvision / OpenMMLab naming)."""
    shapes: dict[str, tuple[int, ...]] = {}

    def bn(prefix: str, c: int) -> None:
        for name in ("weight", "bias", "running_mean", "running_var"):
            shapes[f"{prefix}.{name}"] = (c,)
        shapes[f"{prefix}.num_batches_tracked"] = ()

    shapes["conv1.weight"] = (64, 3, 7, 7)
    bn("bn1", 64)
    inplanes = 64
    for stage, (planes, blocks) in enumerate(zip((64, 128, 256, 512), (3, 4, 6, 3), strict=True), start=1):
        for b in range(blocks):
            p = f"layer{stage}.{b}"
            shapes[f"{p}.conv1.weight"] = (planes, inplanes, 1, 1)
            bn(f"{p}.bn1", planes)
            shapes[f"{p}.conv2.weight"] = (planes, planes, 3, 3)
            bn(f"{p}.bn2", planes)
            shapes[f"{p}.conv3.weight"] = (planes * 4, planes, 1, 1)
            bn(f"{p}.bn3", planes * 4)
            if b == 0:
                shapes[f"{p}.downsample.0.weight"] = (planes * 4, inplanes, 1, 1)
                bn(f"{p}.downsample.1", planes * 4)
            inplanes = planes * 4
    shapes["fc.weight"] = (1000, 2048)
    shapes["fc.bias"] = (1000,)
    return shapes


class Holder(nn.Module):
    """A module tree whose state dict has exactly the given keys and shapes."""

    def __init__(self, shapes: dict[str, tuple[int, ...]]) -> None:
        super().__init__()
        for key, shape in shapes.items():
            *path, leaf = key.split(".")
            module: nn.Module = self
            for part in path:
                if not hasattr(module, part):
                    module.add_module(part, nn.Module())
                module = getattr(module, part)
            if leaf in ("weight", "bias"):
                module.register_parameter(leaf, nn.Parameter(torch.empty(shape)))
            else:
                dtype = torch.long if leaf == "num_batches_tracked" else torch.float32
                module.register_buffer(leaf, torch.zeros(shape, dtype=dtype))


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(1)
    shapes = resnet50_shapes()
    model = Holder(shapes)
    state_dict = {k: torch.randn(s) if s and not k.endswith("num_batches_tracked") else torch.zeros(s, dtype=torch.long)
                  for k, s in shapes.items()}  # fmt: skip
    params = sum(v.numel() for k, v in state_dict.items() if k.endswith(("weight", "bias")))

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        os.environ["CNN_ZOO_HOME"] = str(root / "home")
        from cnn_zoo import download, load_checkpoint

        raw = root / "raw.pth"
        torch.save({"state_dict": state_dict, "meta": {}}, raw)
        name = f"resnet50-{hashlib.sha256(raw.read_bytes()).hexdigest()[:8]}.pth"
        (root / "www").mkdir()
        raw.rename(root / "www" / name)
        handler = partial(QuietHandler, directory=str(root / "www"))
        server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/{name}"
        cached = download(url, progress=False)  # the first run downloads; every later one is a cache hit
        server.shutdown()
        size_mb = cached.stat().st_size / 1e6

        def ours() -> None:
            load_checkpoint(model, url, strict=True)

        def plain() -> None:
            model.load_state_dict(torch.load(cached, map_location="cpu", weights_only=True)["state_dict"])

        ours(), plain()  # warm the page cache and both code paths
        t_plain, t_ours = [], []
        for i in range(args.repeats):  # interleaved, order alternating, so background load hits both alike
            for fn, times in ((plain, t_plain), (ours, t_ours))[:: 1 if i % 2 else -1]:
                times.append(median_time(fn, 1))
        plain_s, ours_s = statistics.median(t_plain), statistics.median(t_ours)

    print(f"ResNet-50 state dict: {len(shapes)} tensors, {params / 1e6:.1f}M parameters, {size_mb:.1f} MB; "
          f"torch {torch.__version__}, 1 thread, median of {args.repeats}\n")  # fmt: skip
    print("| load | median (ms) | × plain |")
    print("|---|---:|---:|")
    print(f"| `torch.load` + `load_state_dict` (peer) | {plain_s * 1e3:.1f} | 1.00× |")
    print(f"| `cnn_zoo.load_checkpoint(model, url)` from the cache | {ours_s * 1e3:.1f} | {ours_s / plain_s:.2f}× |")


if __name__ == "__main__":
    main()

"""Inference time of config-built classifiers against torchvision's models with the same weights.

Run: python benchmarks/models_classifier.py   (needs torchvision; prints a markdown table)

The classifier adds a neck and a head around the backbone; this measures
whether that costs anything compared with torchvision's single module.
"""

from __future__ import annotations

import statistics
import time

import torch
import torchvision

from cnn_models import build_model, get_preset

CASES = [("resnet18", "resnet18"), ("resnet50", "resnet50")]
BATCH, SIZE, REPEATS, WARMUP = 4, 112, 15, 3


def _time(model: torch.nn.Module, x: torch.Tensor) -> float:
    start = time.perf_counter()
    model(x)
    return time.perf_counter() - start


def measure(preset: str, factory: str) -> tuple[float, float]:
    torch.manual_seed(0)
    theirs = getattr(torchvision.models, factory)(weights=None).eval()
    ours = build_model(get_preset(preset)).eval()
    ours.load_state_dict(
        {(f"head.{k}" if k.startswith("fc.") else f"backbone.{k}"): v for k, v in theirs.state_dict().items()}
    )
    x = torch.randn(BATCH, 3, SIZE, SIZE)
    with torch.inference_mode():
        torch.testing.assert_close(ours(x), theirs(x), rtol=1e-4, atol=1e-5)
        for _ in range(WARMUP):
            ours(x), theirs(x)
        ours_t, theirs_t = [], []
        for _ in range(REPEATS):  # interleaved, so drifting machine load hits both alike
            ours_t.append(_time(ours, x))
            theirs_t.append(_time(theirs, x))
    return statistics.median(ours_t), statistics.median(theirs_t)


def main() -> None:
    print(
        f"eager inference, batch {BATCH}x3x{SIZE}x{SIZE}, median of {REPEATS}, torch {torch.__version__}, "
        f"torchvision {torchvision.__version__}, {torch.get_num_threads()} threads\n"
    )
    print("| model | cnn_models (ms) | torchvision (ms) | ratio ours/theirs |")
    print("|---|---:|---:|---:|")
    for preset, factory in CASES:
        ours, theirs = measure(preset, factory)
        print(f"| {preset} | {ours * 1e3:.1f} | {theirs * 1e3:.1f} | {ours / theirs:.3f} |")


if __name__ == "__main__":
    main()

"""``run_demo``: the project's main job on embedded defaults.

The digits classifier: ResNet_CIFAR-18 + GlobalAveragePooling +
LinearClsHead + CrossEntropyLoss, trained on scikit-learn's handwritten
digits upsampled to 10x10, then saved with ``cnn_zoo.save_checkpoint``,
reloaded with ``cnn_zoo.load_checkpoint`` and checked to predict the same.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
from torch.utils.data import DataLoader

from cnn_registry.overrides import apply_overrides
from cnn_zoo import load_checkpoint, save_checkpoint

from ..build import build_model
from .training import TrainingRun, train_classifier

DEMO_CONFIG: dict[str, Any] = dict(
    model=dict(
        backbone=dict(type="ResNet_CIFAR", depth=18, in_channels=1),
        neck=dict(type="GlobalAveragePooling"),
        head=dict(
            type="LinearClsHead",
            num_classes=10,
            in_channels=512,
            loss=dict(type="CrossEntropyLoss", loss_weight=1.0),
            topk=(1, 5),
        ),
    ),
    data=dict(type="digits", image_size=10, batch_size=64, test_fraction=0.25),
    optimizer=dict(type="SGD", lr=0.02, momentum=0.9, weight_decay=5e-4, nesterov=True),
    train=dict(epochs=4, seed=0),
)
CHECKPOINT_NAME = "digits_resnet18_cifar.pth"


@dataclass
class DemoResult:
    """What `run_demo` measured."""

    test_accuracy: float
    checkpoint: Path
    identical: bool
    max_score_difference: float
    seconds: float
    run: TrainingRun


@torch.no_grad()
def _scores(model: torch.nn.Module, dataset: Any) -> torch.Tensor:
    model.eval()
    device = next(model.parameters()).device
    batches = DataLoader(dataset, batch_size=256)
    return torch.cat([model(images.to(device), mode="predict")["scores"].cpu() for images, _ in batches])


SECONDS_PER_EPOCH_ON_TWO_CORES = 19  # measured: 4 epochs in ~75 s on an idle 2-core CPU


def _expected_duration(epochs: int, device: str) -> str:
    if device != "cpu":
        return "a few seconds an epoch on a GPU"
    return f"about {epochs * SECONDS_PER_EPOCH_ON_TWO_CORES} s on a 2-core CPU, less with more cores"


def run_demo(
    epochs: int | None = None,
    device: str = "cpu",
    seed: int = 0,
    out: str | Path = "cnn-demo",
    overrides: Mapping[str, Any] | None = None,
    progress: bool = True,
    log: Callable[[str], None] = print,
) -> DemoResult:
    """Train, evaluate, save, reload and compare; see the module docstring.

    Args:
        epochs: training epochs (default 4).
        device: ``'cpu'``, ``'cuda'``, ...
        seed: seeds the weights, the split and the batch order; the same seed and thread count give
            the same results.
        out: folder for the checkpoint.
        overrides: dotted-key changes of `DEMO_CONFIG`, e.g. ``{'data.subset': 200}``.
        progress: show a progress bar per epoch.
        log: where the report lines go.
    """
    start = time.perf_counter()
    cfg = apply_overrides(copy.deepcopy(DEMO_CONFIG), dict(overrides or {}))
    planned = epochs if epochs is not None else cfg["train"]["epochs"]
    log(f"training the digits classifier for {planned} epochs on {device}: {_expected_duration(planned, device)}")
    run = train_classifier(cfg, device=device, epochs=epochs, seed=seed, progress=progress, log=log)
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    meta = {"test_accuracy": run.test_accuracy, "seed": seed, "epochs": len(run.epoch_losses)}
    path = save_checkpoint(run.model, folder / CHECKPOINT_NAME, meta=meta)
    log(f"saved {path} with cnn_zoo.save_checkpoint")

    reloaded = build_model(run.config["model"])
    load_checkpoint(reloaded, path, strict=True)
    reloaded.to(device)
    before, after = _scores(run.model, run.test_set), _scores(reloaded, run.test_set)
    identical = torch.equal(before.argmax(dim=1), after.argmax(dim=1))
    difference = float((before - after).abs().max()) if before.numel() else 0.0
    log(
        f"reloaded with cnn_zoo.load_checkpoint(strict=True): predictions "
        f"{'identical' if identical else 'DIFFERENT'} on {len(before)} test images "
        f"(largest score difference {difference:.3g})"
    )
    shown = min(12, len(before))
    labels = run.test_labels if run.test_labels is not None else after.argmax(dim=1)
    log(
        "first test images, true -> predicted: "
        + "  ".join(f"{int(t)}->{int(p)}" for t, p in zip(labels[:shown], after.argmax(dim=1)[:shown], strict=True))
    )
    seconds = time.perf_counter() - start
    log(f"test accuracy {run.test_accuracy:.2f}% in {seconds:.0f} s")
    return DemoResult(run.test_accuracy, path, identical, difference, seconds, run)

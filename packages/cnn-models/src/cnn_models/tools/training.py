"""``train_classifier``: the training loop behind ``cnn train`` and ``cnn demo``.

One process, or one per rank under ``torchrun`` with distributed data
parallel and synchronised batch norm. The config holds up to four sections
(``model`` and ``data`` are required)::

    model = dict(backbone=..., neck=..., head=...)        # or model_cfg, as in mmcls's guide
    data = dict(type='digits', image_size=16, batch_size=64, test_fraction=0.25)
    optimizer = dict(type='SGD', lr=0.05, momentum=0.9, weight_decay=5e-4)
    train = dict(epochs=5, seed=0, sync_bn=True)
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch
from torch import nn
from torch.nn.parallel import DistributedDataParallel
from torch.utils.data import DataLoader, Dataset, DistributedSampler

from cnn_layers import convert_sync_batchnorm

from ..build import build_model
from .datasets import build_datasets
from .device import check_device
from .distributed import DistributedContext
from .gradient_averaging import GradientAveraging
from .progress import progress_bar

DEFAULT_OPTIMIZER: dict[str, Any] = {"type": "SGD", "lr": 0.05, "momentum": 0.9, "weight_decay": 5e-4}
SECTIONS = ("model", "model_cfg", "data", "optimizer", "train", "_base_")


@dataclass
class TrainingRun:
    """What a training run leaves behind (the model is unwrapped from DDP)."""

    model: nn.Module
    config: dict[str, Any]
    epoch_losses: list[float] = field(default_factory=list)
    test_accuracy: float = 0.0
    test_predictions: torch.Tensor | None = None
    test_labels: torch.Tensor | None = None
    test_set: Dataset | None = None


def model_config(cfg: Mapping[str, Any]) -> dict[str, Any]:
    """The model section of a config: ``cfg['model']``, or ``cfg['model_cfg']`` as mmcls's guide names it.

    >>> model_config(dict(model_cfg=dict(backbone=dict(type='ResNet', depth=50))))
    {'backbone': {'type': 'ResNet', 'depth': 50}}
    """
    if not isinstance(cfg, Mapping):
        raise TypeError(f"config must be a mapping, got {type(cfg).__name__}: {cfg!r}")
    for key in ("model", "model_cfg"):
        if key in cfg:
            section = cfg[key]
            if not isinstance(section, Mapping):
                raise TypeError(f"config[{key!r}] must be a dict of backbone/neck/head, got {section!r}")
            return copy.deepcopy(dict(section))
    raise ValueError(f"config must have a 'model' (or 'model_cfg') section, got keys {sorted(cfg)}")


def build_optimizer(params: Any, cfg: Mapping[str, Any]) -> torch.optim.Optimizer:
    """``torch.optim.<type>(params, **options)`` from ``dict(type='SGD', lr=..., ...)``.

    >>> build_optimizer([torch.zeros(1, requires_grad=True)], dict(type='AdamW', lr=1e-3)).defaults['lr']
    0.001
    """
    options = dict(cfg)
    name = options.pop("type", "SGD")
    optim_cls = getattr(torch.optim, name, None) if isinstance(name, str) else None
    if not (isinstance(optim_cls, type) and issubclass(optim_cls, torch.optim.Optimizer)):
        raise ValueError(f"optimizer.type must name a torch.optim optimizer such as 'SGD' or 'AdamW', got {name!r}")
    return optim_cls(params, **options)


def total_loss(losses: Mapping[str, torch.Tensor]) -> torch.Tensor:
    """The sum of every entry whose name contains ``loss`` (accuracies are only logged).

    >>> total_loss({'loss': torch.tensor(1.0), 'loss_aux': torch.tensor(0.5), 'accuracy': {'top-1': torch.tensor(9.0)}})
    tensor(1.5000)
    """
    terms = [value for name, value in losses.items() if "loss" in name]
    if not terms:
        raise ValueError(f"the model returned no entry named '*loss*' in mode='loss', got {sorted(losses)}")
    return torch.stack([t.sum() for t in terms]).sum()


@torch.no_grad()
def predict_labels(model: nn.Module, dataset: Dataset, batch_size: int = 256, device: str | torch.device = "cpu"):
    """Predicted labels for every sample of ``dataset``, in order, in eval mode."""
    was_training = model.training
    model.eval()
    labels = []
    for images, _ in DataLoader(dataset, batch_size=batch_size):
        labels.append(model(images.to(device), mode="predict")["labels"].cpu())
    model.train(was_training)
    return torch.cat(labels)


def _ddp_buffer_options() -> dict[str, bool]:
    """Keep each rank's batch-norm statistics its own, as mmcv does (newer torch renamed the option)."""
    params = inspect.signature(DistributedDataParallel).parameters
    return {"forward_sync_buffers": False} if "forward_sync_buffers" in params else {"broadcast_buffers": False}


def _compile_backend(compile: bool | str) -> str | None:
    """The ``torch.compile`` backend ``compile`` asks for, or ``None`` for eager training."""
    if compile is False or compile is None:
        return None
    if compile is True:
        return "inductor"
    if isinstance(compile, str) and compile:
        import torch._dynamo

        if compile not in torch._dynamo.list_backends(exclude_tags=()):
            raise ValueError(
                f"compile={compile!r} is not a torch.compile backend; "
                f"choose from {sorted(torch._dynamo.list_backends(exclude_tags=()))}"
            )
        return compile
    raise TypeError(f"compile must be True, False or a torch.compile backend name such as 'inductor', got {compile!r}")


def _section(cfg: Mapping[str, Any], key: str, default: Mapping[str, Any]) -> dict[str, Any]:
    value = cfg.get(key, default)
    if not isinstance(value, Mapping):
        raise TypeError(f"config[{key!r}] must be a dict, got {type(value).__name__}: {value!r}")
    return dict(value)


def train_classifier(
    cfg: Mapping[str, Any],
    *,
    device: str = "cpu",
    epochs: int | None = None,
    seed: int | None = None,
    progress: bool = True,
    log: Callable[[str], None] = print,
    channels_last: bool = False,
    compile: bool | str = False,
) -> TrainingRun:
    """Train the config's classifier on its data; evaluate on the test split.

    ``epochs`` and ``seed`` override ``cfg['train']``. Under ``torchrun`` the
    batch norms become `cnn_layers.SyncBatchNorm`, the model is wrapped
    in ``DistributedDataParallel`` and each rank sees its share of every epoch;
    only rank 0 prints. On CPU with synchronised batch norm, which torch's
    DDP refuses, `GradientAveraging` takes DDP's place. ``cfg`` is not modified.

    ``channels_last`` stores the model's weights and every batch in the
    channels-last memory format (faster convolutions on most CPUs and GPUs).
    ``compile`` compiles the training step's forward and loss with
    ``torch.compile``: ``True`` for inductor, or the name of a backend
    (``'eager'`` checks that the step compiles without generating code).

    >>> run = train_classifier(dict(
    ...     model=dict(backbone=dict(type='ResNet_CIFAR', depth=18, base_channels=2),
    ...                neck=dict(type='GlobalAveragePooling'),
    ...                head=dict(type='LinearClsHead', num_classes=4, in_channels=16)),
    ...     data=dict(type='random', num_samples=16, image_size=8, batch_size=8),
    ...     train=dict(epochs=1)), progress=False, log=lambda line: None)
    >>> len(run.epoch_losses), run.test_predictions.shape
    (1, torch.Size([4]))
    """
    for key in cfg:
        if key not in SECTIONS:
            raise ValueError(f"unknown config section {key!r}; expected some of {SECTIONS}")
    model_cfg = model_config(cfg)
    if "data" not in cfg:
        raise ValueError(
            "config has no 'data' section; add one such as data=dict(type='digits', image_size=16, batch_size=64) "
            "(scikit-learn's digits) or data=dict(type='random', num_samples=256, image_size=16, num_classes=4)"
        )
    data_cfg = _section(cfg, "data", {})
    optim_cfg = _section(cfg, "optimizer", DEFAULT_OPTIMIZER)
    train_cfg = _section(cfg, "train", {})
    unknown = sorted(set(train_cfg) - {"epochs", "seed", "sync_bn"})
    if unknown:
        raise ValueError(f"unknown key(s) {unknown} in config['train']; expected epochs, seed, sync_bn")
    epochs = int(train_cfg.get("epochs", 5) if epochs is None else epochs)
    seed = int(train_cfg.get("seed", 0) if seed is None else seed)
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1, got {epochs}")
    batch_size = int(data_cfg.get("batch_size", 64))
    backend = _compile_backend(compile)
    check_device(device)

    ctx = DistributedContext.from_env(device)
    ctx.init_process_group()
    say = log if ctx.is_main else (lambda line: None)
    torch.manual_seed(seed)
    train_set, test_set = build_datasets(data_cfg, seed=seed)
    model = build_model(model_cfg).to(ctx.device)
    memory_format = torch.channels_last if channels_last else torch.contiguous_format
    if channels_last:
        model = model.to(memory_format=torch.channels_last)  # type: ignore[call-overload]
    module: nn.Module = model
    sampler: DistributedSampler | None = None
    if ctx.enabled:
        if train_cfg.get("sync_bn", True):
            model = convert_sync_batchnorm(model)
        if ctx.device.type == "cpu" and any(isinstance(m, nn.SyncBatchNorm) for m in model.modules()):
            module = GradientAveraging(model)  # torch's DDP refuses SyncBatchNorm on CPU
        else:
            module = DistributedDataParallel(model, **_ddp_buffer_options())  # type: ignore[arg-type]
        sampler = DistributedSampler(train_set, num_replicas=ctx.world_size, rank=ctx.rank, shuffle=True, seed=seed)
    loader = DataLoader(
        train_set,
        batch_size=batch_size,
        shuffle=sampler is None,
        sampler=sampler,
        drop_last=len(train_set) // ctx.world_size > batch_size,
        generator=torch.Generator().manual_seed(seed),
    )
    optimizer = build_optimizer(module.parameters(), optim_cfg)
    step = module if backend is None else torch.compile(module, backend=backend)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=max(epochs * len(loader), 1))
    say(
        f"training {type(model).__name__} on {len(train_set)} images ({data_cfg.get('type', 'digits')}), "
        f"testing on {len(test_set)}; {epochs} epochs of {len(loader)} steps, world size {ctx.world_size}"
    )
    run = TrainingRun(model=model, config={**dict(cfg), "model": model_cfg}, test_set=test_set)
    for epoch in range(epochs):
        module.train()
        if sampler is not None:
            sampler.set_epoch(epoch)
        running, steps = 0.0, 0
        bar = progress_bar(
            loader, total=len(loader), desc=f"epoch {epoch + 1}/{epochs}", enabled=progress and ctx.is_main
        )
        for images, labels in bar:
            images = images.to(ctx.device).contiguous(memory_format=memory_format)
            loss = total_loss(step(images, labels.to(ctx.device), mode="loss"))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            if isinstance(module, GradientAveraging):
                module.average_gradients()
            optimizer.step()
            scheduler.step()
            running, steps = running + loss.item(), steps + 1
            if hasattr(bar, "set_postfix_str"):
                bar.set_postfix_str(f"loss {running / steps:.4f}", refresh=False)
        run.epoch_losses.append(running / max(steps, 1))
        say(f"epoch {epoch + 1}/{epochs}: mean loss {run.epoch_losses[-1]:.4f}")
    run.test_labels = test_set.tensors[1]
    run.test_predictions = predict_labels(model, test_set, device=ctx.device)
    correct = int((run.test_predictions == run.test_labels).sum())
    run.test_accuracy = 100.0 * correct / len(test_set) if len(test_set) else 0.0
    say(f"test accuracy: {run.test_accuracy:.2f}% ({correct}/{len(test_set)})")
    return run

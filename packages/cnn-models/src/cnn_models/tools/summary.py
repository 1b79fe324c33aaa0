"""``summarize``: a per-stage table of a model's output shapes, parameters and FLOPs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch import nn
from torch.utils.flop_counter import FlopCounterMode


@dataclass
class StageRow:
    """One stage of the table: its name, module type, output shape(s), parameters and FLOPs."""

    name: str
    type: str
    output_shape: str
    params: int
    flops: int

    @property
    def macs(self) -> int:
        """Multiply-accumulates: half the FLOPs of convolutions and matrix products."""
        return self.flops // 2


@dataclass
class ModelSummary:
    """The rows and totals of `summarize`; ``str()`` is a markdown table."""

    model_type: str
    input_shape: tuple[int, ...]
    rows: list[StageRow] = field(default_factory=list)
    total_params: int = 0
    trainable_params: int = 0
    total_flops: int = 0

    def __str__(self) -> str:
        header = "| stage | type | output shape | params | FLOPs | MACs |"
        lines = [header, "|---|---|---|---:|---:|---:|"]
        for r in self.rows:
            lines.append(
                f"| {r.name} | {r.type} | {r.output_shape} | {human(r.params)} | {human(r.flops)} | {human(r.macs)} |"
            )
        lines.append(
            f"| **total** | {self.model_type} | input {tuple(self.input_shape)} | {human(self.total_params)} "
            f"| {human(self.total_flops)} | {human(self.total_flops // 2)} |"
        )
        return "\n".join(lines)


def human(count: int) -> str:
    """``1234567`` -> ``'1.23M'``; small counts stay exact.

    >>> human(950), human(25_557_032), human(4_100_000_000)
    ('950', '25.56M', '4.10G')
    """
    for unit, size in (("G", 10**9), ("M", 10**6), ("K", 10**3)):
        if count >= size:
            return f"{count / size:.2f}{unit}"
    return str(count)


def _shape_text(output: object) -> str:
    if isinstance(output, torch.Tensor):
        return "x".join(str(d) for d in output.shape)
    if isinstance(output, (tuple, list)):
        return ", ".join(_shape_text(o) for o in output)
    if isinstance(output, dict):
        return ", ".join(f"{k}: {_shape_text(v)}" for k, v in output.items())
    return type(output).__name__


def stages(model: nn.Module) -> list[tuple[str, nn.Module]]:
    """The modules reported as stages: the backbone's children, then the other top-level children.

    >>> [name for name, _ in stages(nn.Sequential(nn.Linear(2, 2), nn.ReLU()))]
    ['0', '1']
    """
    found = []
    for name, child in model.named_children():
        if name == "backbone":
            found += [(f"backbone.{n}", c) for n, c in child.named_children()]
        else:
            found.append((name, child))
    return found


def _stage_flops(counts: dict, key: str) -> int:
    """FLOPs of the module ``key``, or of its direct children when it is a container never called itself."""
    if key in counts:
        return int(sum(counts[key].values()))
    depth = key.count(".") + 1
    return int(sum(sum(v.values()) for k, v in counts.items() if k.startswith(key + ".") and k.count(".") == depth))


def summarize(model: nn.Module, input_shape: Sequence[int] = (3, 224, 224)) -> ModelSummary:
    """Run one image of ``input_shape`` through ``model`` in eval mode and tabulate each stage.

    FLOPs are counted by `torch.utils.flop_counter.FlopCounterMode`
    (2 per multiply-accumulate of convolutions and matrix products).

    >>> model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(8, 1))
    >>> s = summarize(model, (1, 4, 4))
    >>> [(r.name, r.output_shape, r.params, r.flops) for r in s.rows]
    [('0', '1x2x2x2', 20, 144), ('1', '1x8', 0, 0), ('2', '1x1', 9, 16)]
    """
    shape = tuple(int(d) for d in input_shape)
    if not shape or any(d <= 0 for d in shape):
        raise ValueError(f"input_shape must be positive ints such as (3, 224, 224), got {tuple(input_shape)!r}")
    named = stages(model)
    outputs: dict[str, str] = {}

    def recorder(name: str):
        def hook(_module: nn.Module, _inputs: object, output: object) -> None:
            outputs.setdefault(name, _shape_text(output))

        return hook

    hooks = [module.register_forward_hook(recorder(name)) for name, module in named]
    was_training = model.training
    model.eval()
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    try:
        with torch.no_grad(), FlopCounterMode(display=False, depth=4) as counter:
            model(torch.zeros(1, *shape, device=device))
    finally:
        for hook in hooks:
            hook.remove()
        model.train(was_training)
    counts = counter.get_flop_counts()
    root = type(model).__name__
    summary = ModelSummary(model_type=root, input_shape=shape)
    for name, module in named:
        flops = _stage_flops(counts, f"{root}.{name}")
        params = sum(p.numel() for p in module.parameters())
        summary.rows.append(StageRow(name, type(module).__name__, outputs.get(name, "-"), params, int(flops)))
    summary.total_params = sum(p.numel() for p in model.parameters())
    summary.trainable_params = sum(p.numel() for p in model.parameters() if p.requires_grad)
    summary.total_flops = int(counter.get_total_flops())
    return summary

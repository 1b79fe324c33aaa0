"""The ``cnn`` command: ``cnn summary``, ``cnn demo`` and ``cnn train``.

>>> parser = build_parser()
>>> args = parser.parse_args(
...     ['summary', 'resnet50', '--input-shape', '3,64,64', '--cfg-options', 'head.num_classes=10'])
>>> args.command, args.input_shape, args.cfg_options
('summary', (3, 64, 64), {'head.num_classes': 10})
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cnn_registry.config import load_config
from cnn_registry.override_action import OverrideAction
from cnn_registry.overrides import apply_overrides

from ..build import build_model
from ..presets import PRESETS, get_preset


def _shape(text: str) -> tuple[int, ...]:
    try:
        shape = tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"--input-shape must be comma-separated ints like 3,224,224, got {text!r}"
        ) from None
    if any(d <= 0 for d in shape):
        raise argparse.ArgumentTypeError(f"--input-shape must be positive, got {text!r}")
    return shape


def load_model_config(source: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The model config of a preset name or a config file, with dotted overrides applied.

    A file's model is its ``model`` (or seed 004's ``model_cfg``) section, or
    the whole file when it has a ``backbone`` key.

    >>> load_model_config('resnet18_cifar', {'head.num_classes': 100})['head']['num_classes']
    100
    """
    from .training import model_config

    if source in PRESETS:
        cfg = get_preset(source)
    elif Path(source).is_file():
        loaded = load_config(source)
        cfg = loaded if "backbone" in loaded else model_config(loaded)
    else:
        raise ValueError(
            f"{source!r} is neither a preset ({', '.join(sorted(PRESETS))}) nor a config file (.py/.json/.toml/.yaml)"
        )
    return apply_overrides(cfg, overrides or {})


def _summary(args: argparse.Namespace) -> int:
    from .summary import summarize

    cfg = load_model_config(args.config, args.cfg_options)
    start = time.perf_counter()
    model = build_model(cfg)
    built = time.perf_counter() - start
    summary = summarize(model, args.input_shape)
    print(summary)
    print(
        f"\n{summary.model_type}: {summary.total_params:,} parameters ({summary.trainable_params:,} trainable), "
        f"{summary.total_flops:,} FLOPs ({summary.total_flops // 2:,} MACs) for one {args.input_shape} input; "
        f"built in {built * 1000:.0f} ms"
    )
    return 0


def _demo(args: argparse.Namespace) -> int:
    from .demo import run_demo

    result = run_demo(
        epochs=args.epochs,
        device=args.device,
        seed=args.seed,
        out=args.out,
        overrides=args.cfg_options,
        progress=not args.no_progress,
    )
    return 0 if result.identical else 1


def _train(args: argparse.Namespace) -> int:
    from cnn_zoo import save_checkpoint

    from .distributed import DistributedContext
    from .training import train_classifier

    cfg = apply_overrides(load_config(args.config), args.cfg_options)
    run = train_classifier(cfg, device=args.device, epochs=args.epochs, seed=args.seed, progress=not args.no_progress)
    ctx = DistributedContext.from_env(args.device)
    if ctx.is_main:
        folder = Path(args.out)
        folder.mkdir(parents=True, exist_ok=True)
        path = save_checkpoint(run.model, folder / "latest.pth", meta={"test_accuracy": run.test_accuracy})
        (folder / "config.json").write_text(json.dumps(run.config, indent=2, default=list))
        print(f"saved {path}")
    ctx.destroy_process_group()
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``cnn``."""
    parser = argparse.ArgumentParser(prog="cnn", description="Build, inspect and train cnn-toolkit models.")
    commands = parser.add_subparsers(dest="command", required=True)

    summary = commands.add_parser("summary", help="per-stage table of shapes, parameters and FLOPs")
    summary.add_argument("config", help=f"a config file or a preset: {', '.join(PRESETS)}")
    summary.add_argument("--input-shape", type=_shape, default=(3, 224, 224), help="C,H,W (default 3,224,224)")
    summary.add_argument("--cfg-options", nargs="+", action=OverrideAction, default={}, help="key.path=value ...")
    summary.set_defaults(func=_summary)

    demo = commands.add_parser("demo", help="train seed 004's classifier on scikit-learn's digits")
    demo.add_argument("--epochs", type=int, default=None, help="training epochs (default 4)")
    demo.add_argument("--device", default="cpu")
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--out", default="cnn-demo", help="folder for the checkpoint (default ./cnn-demo)")
    demo.add_argument("--cfg-options", nargs="+", action=OverrideAction, default={}, help="e.g. data.subset=300")
    demo.add_argument("--no-progress", action="store_true", help="no progress bar")
    demo.set_defaults(func=_demo)

    train = commands.add_parser("train", help="train a config; launch with torchrun for DDP")
    train.add_argument("config", help="config file with model, data, optimizer and train sections")
    train.add_argument("--epochs", type=int, default=None)
    train.add_argument("--device", default="cpu")
    train.add_argument("--seed", type=int, default=None)
    train.add_argument("--out", default="work_dir", help="folder for latest.pth and config.json")
    train.add_argument("--cfg-options", nargs="+", action=OverrideAction, default={})
    train.add_argument("--no-progress", action="store_true")
    train.set_defaults(func=_train)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``cnn`` with ``argv`` (default: the command line); returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except (ValueError, TypeError, KeyError, FileNotFoundError, ImportError) as exc:
        print(f"cnn {args.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())

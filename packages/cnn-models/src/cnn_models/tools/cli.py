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
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

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
    if len(shape) != 3:
        raise argparse.ArgumentTypeError(
            f"--input-shape is one image's C,H,W such as 3,224,224 (no batch dimension), "
            f"got {text!r} ({len(shape)} value{'s' if len(shape) != 1 else ''})"
        )
    if any(d <= 0 for d in shape):
        raise argparse.ArgumentTypeError(f"--input-shape must be positive, got {text!r}")
    return shape


def load_model_config(source: str, overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """The model config of a preset name or a config file, with dotted overrides applied.

    A file's model is its ``model`` (or ``model_cfg``, as mmcls's guide names
    it) section, or the whole file when it has a ``backbone`` key.

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
    try:
        summary = summarize(model, args.input_shape)
    except RuntimeError as exc:  # the model's own complaint about the input, e.g. a channel mismatch
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise ValueError(
            f"{type(model).__name__} cannot take an input of shape {args.input_shape}: {first_line}"
        ) from exc
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
    run = train_classifier(
        cfg,
        device=args.device,
        epochs=args.epochs,
        seed=args.seed,
        progress=not args.no_progress,
        channels_last=args.channels_last,
        compile=args.compile,
    )
    ctx = DistributedContext.from_env(args.device)
    if ctx.is_main:
        folder = Path(args.out)
        folder.mkdir(parents=True, exist_ok=True)
        path = save_checkpoint(run.model, folder / "latest.pth", meta={"test_accuracy": run.test_accuracy})
        (folder / "config.json").write_text(json.dumps(run.config, indent=2, default=list))
        print(f"saved {path}")
    ctx.destroy_process_group()
    return 0


class OneLineErrorParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (the usage is one ``--help`` away)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``cnn``."""
    parser = OneLineErrorParser(prog="cnn", description="Build, inspect and train cnn-toolkit models.")
    commands = parser.add_subparsers(dest="command", required=True)

    summary = commands.add_parser("summary", help="per-stage table of shapes, parameters and FLOPs")
    summary.add_argument("config", help=f"a config file or a preset: {', '.join(PRESETS)}")
    summary.add_argument("--input-shape", type=_shape, default=(3, 224, 224), help="C,H,W (default 3,224,224)")
    summary.add_argument("--cfg-options", nargs="+", action=OverrideAction, default={}, help="key.path=value ...")
    summary.set_defaults(func=_summary)

    demo = commands.add_parser(
        "demo", help="train the digits classifier (ResNet_CIFAR-18) on scikit-learn's digits (~75 s on 2 CPU cores)"
    )
    demo.add_argument("--epochs", type=int, default=None, help="training epochs (default 4)")
    demo.add_argument("--device", default="cpu", help="where to train: cpu, cuda, cuda:1, mps (default cpu)")
    demo.add_argument("--seed", type=int, default=0, help="random seed of the weights, split and batch order")
    demo.add_argument("--out", default="cnn-demo", help="folder for the checkpoint (default ./cnn-demo)")
    demo.add_argument("--cfg-options", nargs="+", action=OverrideAction, default={}, help="e.g. data.subset=300")
    demo.add_argument("--no-progress", action="store_true", help="no progress bar")
    demo.set_defaults(func=_demo)

    train = commands.add_parser(
        "train",
        help="train a config; launch with torchrun for DDP",
        description="Train the classifier of a config file on its data, evaluate it on the test split and save "
        "latest.pth and config.json. Launch with torchrun --nproc-per-node N for distributed data parallel.",
    )
    train.add_argument(
        "config",
        help="config file (.py/.json/.toml/.yaml) with model and data sections, optionally optimizer and train",
    )
    train.add_argument("--epochs", type=int, default=None, help="training epochs (default: train.epochs, else 5)")
    train.add_argument("--device", default="cpu", help="where to train: cpu, cuda, cuda:1, mps (default cpu)")
    train.add_argument(
        "--seed",
        type=int,
        default=None,
        help="random seed of the weights, split and batch order (default: train.seed, else 0)",
    )
    train.add_argument("--out", default="work_dir", help="folder for latest.pth and config.json (default work_dir)")
    train.add_argument(
        "--cfg-options",
        nargs="+",
        action=OverrideAction,
        default={},
        help="dotted overrides of the config, e.g. optimizer.lr=0.01 train.epochs=2",
    )
    train.add_argument("--no-progress", action="store_true", help="no progress bar")
    train.add_argument(
        "--channels-last",
        action="store_true",
        help="keep weights and batches in the channels-last memory format (often faster convolutions)",
    )
    train.add_argument(
        "--compile",
        nargs="?",
        const="inductor",
        default=False,
        metavar="BACKEND",
        help="compile the training step with torch.compile (default backend inductor; "
        "'eager' only checks that it compiles)",
    )
    train.set_defaults(func=_train)
    return parser


def _one_line_note(
    message: Warning | str, category: type[Warning], filename: str, lineno: int, file: Any = None, line: Any = None
) -> None:
    """Show a warning as one line on stderr: ``cnn: note: ...`` for deprecations, ``cnn: warning: ...`` else."""
    kind = "note" if issubclass(category, (FutureWarning, DeprecationWarning)) else "warning"
    print(f"cnn: {kind}: {str(message).strip().splitlines()[0]}", file=sys.stderr)


def _error_text(exc: BaseException) -> str:
    text = exc.args[0] if isinstance(exc, KeyError) and len(exc.args) == 1 else exc
    return str(text).strip() or type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``cnn`` with ``argv`` (default: the command line); returns the exit status.

    A user error (bad config, device, shape, missing file or extra) prints
    one line on stderr and returns 2; warnings print as one line too.
    """
    args = build_parser().parse_args(argv)
    with warnings.catch_warnings():
        warnings.showwarning = _one_line_note
        try:
            return int(args.func(args))
        except (ValueError, TypeError, KeyError, OSError, ImportError) as exc:
            print(f"cnn {args.command}: error: {_error_text(exc)}", file=sys.stderr)
            return 2


if __name__ == "__main__":
    sys.exit(main())

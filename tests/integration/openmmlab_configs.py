"""Every backbone and classifier config of mmdet's and mmpretrain's config trees, built by them and by us.

The harness of issue 17. It loads every config file shipped in the installed wheels
(``mmdet/.mim/configs``, ``mmpretrain/.mim/configs``) with mmengine's ``Config.fromfile``,
takes each distinct ``model.backbone`` of a type cnn-backbones ships, and builds it twice:
with the peer's own registry under the config's default scope, and with
``cnn_backbones.BACKBONES`` under the same scope. Then it compares the state-dict keys and
shapes, randomises every floating parameter and buffer of the peer's model (so zero-initialised
gammas, offsets and BatchNorm statistics cannot hide a difference), loads the peer's state dict
into ours with ``strict=True`` and compares eval-mode outputs on one random input. mmpretrain's
``ImageClassifier`` configs whose backbone we ship are checked the same way through
``cnn_models.build_model``, comparing the class scores (``mode='tensor'``).

Run it in the peer venv (torch 2.14.1, mmengine, mmcv-lite 2.1, mmpretrain 1.2, mmdet 3.3
installed with ``--no-deps``)::

    OMP_NUM_THREADS=1 python tests/integration/openmmlab_configs.py [--corpus mmdet|mmpretrain|classifiers] [--limit N]

mmcv-lite has no compiled ops, and mmdet's ``--no-deps`` install lacks a few of its
import-time dependencies. `install_import_stubs` puts placeholder modules in their place before
mmdet is imported: ``mmcv.ops`` always, the others only when they are not installed. Nothing in
them is called while a backbone is built, except the deformable convolutions of the DCN
configs, which mmdet therefore cannot build here; those are counted as "peer cannot build",
not as failures of ours.

Translation of the classifier configs for ``cnn_models.build_model``: the backbone's type gets
the config's scope as prefix (``'mmpretrain.ResNet'``) and the build runs under that default
scope; ``data_preprocessor`` is dropped (mmpretrain normalises in ``data_preprocessor`` before
``forward``, we take normalised tensors, and ``mode='tensor'`` skips it on both sides);
``init_cfg`` and ``pretrained`` are dropped everywhere (the weights come from the peer's model).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.abc
import importlib.machinery
import importlib.util
import json
import math
import sys
import time
import types
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CLAIMED_BACKBONES = frozenset(
    {"ResNet", "ResNetV1c", "ResNetV1d", "ResNeXt", "Res2Net", "RegNet", "HRNet", "VGG", "SSDVGG", "ResNet_CIFAR"}
)
"""Backbone types cnn-backbones claims to build as OpenMMLab does."""

CORPORA = ("mmdet", "mmpretrain")
TOLERANCE = 1e-4
"""Largest output difference allowed, as a fraction of the range of the peer's output."""

# Modules mmdet imports while `mmdet.models` loads; `mmcv.ops` is always replaced (mmcv-lite's
# cannot load its compiled extension), the others only when the real one is not installed.
_FORCED_STUBS = ("mmcv.ops",)
_FALLBACK_STUBS = ("pycocotools", "shapely", "terminaltables", "scipy", "six")
_DROPPED_KEYS = frozenset({"init_cfg", "pretrained"})


class _StubFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Gives placeholder packages: any attribute is a (cached) empty ``nn.Module`` subclass of that name."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = tuple(names)

    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        if any(fullname == n or fullname.startswith(n + ".") for n in self.names):
            return importlib.machinery.ModuleSpec(fullname, self, is_package=True)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        from torch import nn

        module = types.ModuleType(spec.name, "placeholder installed by tests/integration/openmmlab_configs.py")
        module.__path__ = []
        made: dict[str, type] = {}

        def __getattr__(attr: str) -> type:  # noqa: N807 - a module's __getattr__
            if attr.startswith("__"):
                raise AttributeError(attr)
            if attr not in made:
                made[attr] = type(attr, (nn.Module,), {"__module__": spec.name})
            return made[attr]

        module.__getattr__ = __getattr__  # type: ignore[method-assign]
        return module

    def exec_module(self, module: types.ModuleType) -> None:
        return None


def install_import_stubs() -> list[str]:
    """Make ``import mmdet.models`` work with mmcv-lite and mmdet's ``--no-deps`` install; returns the stubbed names."""
    if any(isinstance(f, _StubFinder) for f in sys.meta_path):
        return [n for f in sys.meta_path if isinstance(f, _StubFinder) for n in f.names]
    names = list(_FORCED_STUBS) + [n for n in _FALLBACK_STUBS if importlib.util.find_spec(n) is None]
    for name in list(sys.modules):
        if name in _FORCED_STUBS or name.startswith(tuple(n + "." for n in _FORCED_STUBS)):
            del sys.modules[name]
    sys.meta_path.insert(0, _StubFinder(names))
    return names


def config_root(corpus: str) -> Path:
    """The config tree shipped in the installed wheel of ``corpus`` ('mmdet' or 'mmpretrain')."""
    if corpus not in CORPORA:
        raise ValueError(f"corpus must be one of {CORPORA}, got {corpus!r}")
    spec = importlib.util.find_spec(corpus)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"{corpus} is not installed; run this in the peer venv")
    return Path(spec.origin).parent / ".mim" / "configs"


def config_files(corpus: str) -> list[Path]:
    """Every config file of the tree, in sorted order (``_base_`` fragments included: they are configs too)."""
    return sorted(config_root(corpus).rglob("*.py"))


def load_config(path: Path) -> dict[str, Any]:
    """A config file as plain dicts, lists and tuples, loaded by mmengine (its custom imports are not run)."""
    from mmengine.config import Config

    return Config.fromfile(str(path), import_custom_modules=False).to_dict()


def strip(obj: Any, drop: frozenset[str] = _DROPPED_KEYS) -> Any:
    """A copy of a config without the keys in ``drop`` at any depth."""
    if isinstance(obj, dict):
        return {k: strip(v, drop) for k, v in obj.items() if k not in drop}
    if isinstance(obj, (list, tuple)):
        return type(obj)(strip(v, drop) for v in obj)
    return obj


def canonical(obj: Any) -> str:
    """A repr that is the same for equal configs whatever their key order."""
    if isinstance(obj, dict):
        return "{" + ", ".join(f"{k!r}: {canonical(obj[k])}" for k in sorted(obj, key=str)) + "}"
    if isinstance(obj, list):
        return "[" + ", ".join(canonical(v) for v in obj) + "]"
    if isinstance(obj, tuple):
        return "(" + ", ".join(canonical(v) for v in obj) + ",)"
    return repr(obj)


def split_type(type_name: str) -> tuple[str | None, str]:
    """``'mmdet.ResNet'`` -> ``('mmdet', 'ResNet')``; ``'ResNet'`` -> ``(None, 'ResNet')``."""
    scope, _, name = type_name.rpartition(".")
    return (scope or None), name


@dataclass
class Case:
    """One distinct config: a backbone dict, or a whole classifier model dict."""

    corpus: str
    kind: str  # 'backbone' or 'classifier'
    scope: str
    cfg: dict[str, Any]
    files: list[str] = field(default_factory=list)

    @property
    def type_name(self) -> str:
        backbone = self.cfg["backbone"] if self.kind == "classifier" else self.cfg
        return split_type(backbone["type"])[1]

    @property
    def label(self) -> str:
        return f"{self.corpus} {self.kind} {self.type_name} ({self.files[0]}, {len(self.files)} file(s))"


@dataclass
class Collected:
    """The distinct cases of a corpus and the files mmengine itself could not load."""

    backbones: list[Case]
    classifiers: list[Case]
    files: int
    unloadable: list[tuple[str, str]]


def _claimed(cfg: Any) -> bool:
    return (
        isinstance(cfg, dict) and isinstance(cfg.get("type"), str) and split_type(cfg["type"])[1] in CLAIMED_BACKBONES
    )


def collect(corpus: str, files: Sequence[Path] | None = None) -> Collected:
    """Load the files of ``corpus`` (all of them by default) and dedupe their claimed backbones and classifiers."""
    root = config_root(corpus)
    paths = (
        config_files(corpus) if files is None else [root / f if not Path(f).is_absolute() else Path(f) for f in files]
    )
    backbones: dict[str, Case] = {}
    classifiers: dict[str, Case] = {}
    unloadable: list[tuple[str, str]] = []
    for path in paths:
        rel = str(path.relative_to(root))
        try:
            cfg = load_config(path)
        except Exception as exc:
            unloadable.append((rel, _first_line(exc)))
            continue
        model = cfg.get("model")
        if not isinstance(model, dict):
            continue
        declared = cfg.get("default_scope")
        scope: str = declared if isinstance(declared, str) and declared else corpus
        backbone = model.get("backbone")
        if _claimed(backbone):
            clean = strip(backbone)
            key = canonical((scope, clean))
            backbones.setdefault(key, Case(corpus, "backbone", scope, clean)).files.append(rel)
        if corpus == "mmpretrain" and model.get("type") == "ImageClassifier" and _claimed(backbone):
            clean = strip(model, _DROPPED_KEYS | {"data_preprocessor"})
            key = canonical((scope, clean))
            classifiers.setdefault(key, Case(corpus, "classifier", scope, clean)).files.append(rel)

    def order(cases: dict[str, Case]) -> list[Case]:
        return [cases[k] for k in sorted(cases, key=lambda k: (cases[k].type_name, cases[k].files[0], k))]

    return Collected(order(backbones), order(classifiers), len(paths), unloadable)


# ----------------------------------------------------------------------------- building


def peer_registry(corpus: str) -> Any:
    """The peer's MODELS registry of ``corpus``, with its models imported."""
    import logging

    from mmengine.logging import MMLogger

    MMLogger.get_current_instance().setLevel(logging.WARNING)  # its INFO lines would interleave with the table
    # always: configs of either tree may name the other's scope (mmpretrain's byol benchmarks are mmdet's)
    install_import_stubs()
    if corpus == "mmdet":
        import mmdet.models  # noqa: F401 - registers mmdet's models
        from mmdet.registry import MODELS
    else:
        import mmpretrain.models  # noqa: F401 - registers mmpretrain's models
        from mmpretrain.registry import MODELS
    return MODELS


def build_peer(case: Case) -> Any:
    """The peer's model of ``case``, built by its registry under the case's default scope."""
    from mmengine.registry import DefaultScope

    registry = peer_registry(case.corpus)
    # mmdet's RegNet sets its block class's `expansion` while it builds and restores it at the
    # end; a build that stops half-way (a DCN config here) would leave it changed for every
    # later ResNet/ResNeXt build of the run. Put the class attributes back whatever happens.
    saved = [
        (cls, cls.__dict__["expansion"])
        for name, module in list(sys.modules.items())
        if name.startswith(("mmdet.models.backbones", "mmpretrain.models.backbones"))
        for cls in vars(module).values()
        if isinstance(cls, type) and "expansion" in cls.__dict__
    ]
    try:
        with DefaultScope.overwrite_default_scope(case.scope):
            return registry.build(case.cfg)
    finally:
        for cls, value in saved:
            setattr(cls, "expansion", value)  # noqa: B010 - any class of the peer's


@contextlib.contextmanager
def _our_scope(scope: str) -> Iterator[None]:
    import cnn_registry

    manager = getattr(cnn_registry, "default_scope", None)
    if manager is None:
        yield
        return
    with manager(scope):
        yield


def ours_config(case: Case) -> dict[str, Any]:
    """The case's config as cnn-toolkit takes it: the backbone type names its framework's scope."""

    def scoped(backbone: dict[str, Any]) -> dict[str, Any]:
        prefix, name = split_type(backbone["type"])
        if prefix is None and case.scope == "mmpretrain":
            return {**backbone, "type": f"mmpretrain.{name}"}
        return dict(backbone)

    if case.kind == "backbone":
        return scoped(case.cfg)
    return {**case.cfg, "backbone": scoped(case.cfg["backbone"])}


def build_ours(case: Case) -> Any:
    """Our model of ``case``: ``cnn_backbones.BACKBONES`` or ``cnn_models.build_model``, under the case's scope."""
    cfg = ours_config(case)
    with _our_scope(case.scope):
        if case.kind == "backbone":
            from cnn_backbones import BACKBONES

            return BACKBONES.build(cfg)
        from cnn_models import build_model

        return build_model(cfg)


def randomise_(model: Any, seed: int) -> None:
    """Fill every floating parameter and buffer with random values of a sensible scale (in place).

    Weights of rank >= 2 get N(0, 1/fan_in); running variances U(0.5, 1.5); other 1-d scales
    (norm weights, gammas, layer scales) U(0.5, 1.5); other tensors with no zero in them (GeM's
    exponent) their value times U(0.5, 1.5); biases, means and the rest N(0, 0.1).
    Nothing stays at a constant, so zero-initialised gammas or offsets cannot hide a difference.
    """
    import torch

    gen = torch.Generator().manual_seed(seed)
    tensors = list(model.named_parameters()) + list(model.named_buffers())
    with torch.no_grad():
        for name, tensor in tensors:
            if not tensor.is_floating_point() or tensor.numel() == 0:
                continue
            leaf = name.rsplit(".", 1)[-1]
            if tensor.dim() >= 2:
                fan_in = tensor[0].numel()
                values = torch.randn(tensor.shape, generator=gen) / math.sqrt(max(fan_in, 1))
            elif leaf == "running_var" or leaf in {"weight", "gamma", "scale"} or "gamma" in leaf:
                values = torch.rand(tensor.shape, generator=gen) + 0.5
            elif bool((tensor != 0).all()):
                # a non-zero constant such as GeM's exponent p = 3: keep its sign and scale
                values = tensor.detach().float() * (torch.rand(tensor.shape, generator=gen) + 0.5)
            else:
                values = torch.randn(tensor.shape, generator=gen) * 0.1
            tensor.copy_(values.to(tensor.dtype))


def input_shape(case: Case) -> tuple[int, int, int, int]:
    """A small input the architecture takes: SSDVGG's input_size, 224 for VGG's classifier, else 64 (CIFAR 32)."""
    backbone = case.cfg["backbone"] if case.kind == "classifier" else case.cfg
    name = split_type(backbone["type"])[1]
    channels = int(backbone.get("in_channels", 3))
    if name == "SSDVGG":
        size = int(backbone.get("input_size", 300))
    elif name == "VGG" and int(backbone.get("num_classes", -1)) > 0:
        size = 224
    elif name == "ResNet_CIFAR":
        size = 32
    else:
        size = 64
    return (2 if size <= 64 else 1, channels, size, size)


def _tensors(out: Any) -> list[Any]:
    import torch

    if isinstance(out, torch.Tensor):
        return [out]
    if isinstance(out, (list, tuple)):
        return [t for item in out for t in _tensors(item)]
    raise TypeError(f"output is a {type(out).__name__}, expected tensors")


def key_diff(peer: dict[str, Any], ours: dict[str, Any]) -> str:
    """A short description of how two state dicts' keys and shapes differ; '' when they are the same."""
    missing = sorted(set(peer) - set(ours))
    extra = sorted(set(ours) - set(peer))
    shapes = sorted(k for k in set(peer) & set(ours) if tuple(peer[k].shape) != tuple(ours[k].shape))
    parts = []
    if missing:
        parts.append(f"{len(missing)} peer key(s) we lack, e.g. {missing[:3]}")
    if extra:
        parts.append(f"{len(extra)} key(s) the peer lacks, e.g. {extra[:3]}")
    if shapes:
        k = shapes[0]
        parts.append(
            f"{len(shapes)} shape(s) differ, e.g. {k}: peer {tuple(peer[k].shape)} ours {tuple(ours[k].shape)}"
        )
    return "; ".join(parts)


@dataclass
class Result:
    """What happened to one case; ``stage`` names the first step that failed ('' when all passed)."""

    case: Case
    peer_built: bool = False
    built: bool = False
    same_keys: bool = False
    same_outputs: bool = False
    stage: str = ""
    reason: str = ""
    worst: float = float("nan")  # largest output difference / output range

    def as_json(self) -> dict[str, Any]:
        return {
            "corpus": self.case.corpus,
            "kind": self.case.kind,
            "type": self.case.type_name,
            "files": self.case.files,
            "peer_built": self.peer_built,
            "built": self.built,
            "same_keys": self.same_keys,
            "same_outputs": self.same_outputs,
            "stage": self.stage,
            "reason": self.reason,
            "worst": None if math.isnan(self.worst) else self.worst,
        }


def _first_line(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else ""
    if "failed to build from cfg" in text:  # our registry names every cfg on the way down: keep the cause
        text = text.rsplit("}: ", 1)[-1]
    return f"{type(exc).__name__}: {text}"


def check(case: Case, seed: int = 0) -> Result:
    """Build ``case`` both ways, compare keys and shapes, then outputs with the peer's randomised weights."""
    import torch

    result = Result(case)
    try:
        ours = build_ours(case)
        result.built = True
    except Exception as exc:
        result.stage, result.reason = "build", _first_line(exc)
    try:
        peer = build_peer(case)
        result.peer_built = True
    except Exception as exc:
        if not result.stage:
            needs = " (a DCN config: needs mmcv's compiled ops)" if "'dcn'" in canonical(case.cfg) else ""
            result.stage, result.reason = "peer cannot build", _first_line(exc) + needs
        return result
    if not result.built:
        return result
    peer_state = peer.state_dict()
    diff = key_diff(peer_state, ours.state_dict())
    result.same_keys = not diff
    if diff:
        result.stage, result.reason = "keys", diff
    randomise_(peer, seed)
    try:
        ours.load_state_dict(peer.state_dict(), strict=True)
    except Exception as exc:
        if not result.stage:
            result.stage, result.reason = "load", _first_line(exc)
        return result
    peer.eval()
    ours.eval()
    x = torch.randn(input_shape(case), generator=torch.Generator().manual_seed(seed + 1))
    try:
        with torch.no_grad():
            if case.kind == "classifier":
                expected, got = peer(x, mode="tensor"), ours(x, mode="tensor")
            else:
                expected, got = peer(x), ours(x)
        expected, got = _tensors(expected), _tensors(got)
    except Exception as exc:
        if not result.stage:
            result.stage, result.reason = "forward", _first_line(exc)
        return result
    if len(expected) != len(got) or any(e.shape != g.shape for e, g in zip(expected, got, strict=True)):
        if not result.stage:
            result.stage = "outputs"
            result.reason = (
                f"output shapes: peer {[tuple(e.shape) for e in expected]} ours {[tuple(g.shape) for g in got]}"
            )
        return result
    worst = 0.0
    for e, g in zip(expected, got, strict=True):
        span = float(e.max() - e.min()) if e.numel() else 0.0
        err = float((e - g).abs().max()) if e.numel() else 0.0
        worst = max(worst, err / span if span > 0 else err)
    result.worst = worst
    result.same_outputs = bool(worst <= TOLERANCE)
    if not result.same_outputs and not result.stage:
        result.stage, result.reason = "outputs", f"max difference {worst:.2e} of the output range"
    return result


# ----------------------------------------------------------------------------- report


ROW_NAMES = {
    ("mmdet", "backbone"): "mmdet backbones",
    ("mmpretrain", "backbone"): "mmpretrain backbones",
    ("mmpretrain", "classifier"): "mmpretrain classifiers (backbone + neck + head)",
}


def table(results: Sequence[Result]) -> str:
    """The Markdown table of issue 17, with the configs the peer itself cannot build counted apart."""
    lines = [
        "| corpus | distinct configs | peer cannot build | build | same keys | same outputs |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for (corpus, kind), name in ROW_NAMES.items():
        rows = [r for r in results if (r.case.corpus, r.case.kind) == (corpus, kind)]
        if not rows:
            continue
        peer_fail = sum(not r.peer_built for r in rows)
        lines.append(
            f"| {name} | {len(rows)} | {peer_fail} | {sum(r.built for r in rows)} | "
            f"{sum(r.same_keys for r in rows)} | {sum(r.same_outputs for r in rows)} |"
        )
    return "\n".join(lines)


def failures(results: Sequence[Result]) -> list[str]:
    """One line per case that did not pass, with the step and the reason."""
    return [f"- {r.case.label}: {r.stage}: {r.reason}" for r in results if r.stage]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument(
        "--corpus",
        action="append",
        choices=["mmdet", "mmpretrain", "classifiers"],
        help="which rows to check (repeatable; default: all three)",
    )
    parser.add_argument("--limit", type=int, default=None, help="check only the first N distinct configs per row")
    parser.add_argument("--files", nargs="+", default=None, help="config files (relative to the tree) instead of all")
    parser.add_argument("--json", type=Path, default=None, help="also write every result to this JSON file")
    args = parser.parse_args(argv)
    rows = args.corpus or ["mmdet", "mmpretrain", "classifiers"]
    import torch

    torch.set_num_threads(1)
    start = time.time()
    results: list[Result] = []
    loaded: list[str] = []
    for corpus in CORPORA:
        wanted = [r for r in rows if r == corpus or (r == "classifiers" and corpus == "mmpretrain")]
        if not wanted:
            continue
        install_import_stubs()
        files = None
        if args.files is not None:
            root = config_root(corpus)
            files = [root / f for f in args.files if (root / f).is_file()]
        collected = collect(corpus, files)
        loaded.append(
            f"{corpus}: {collected.files} config files, {len(collected.unloadable)} that mmengine itself cannot load"
        )
        for path, reason in collected.unloadable:
            loaded.append(f"  - {path}: {reason}")
        cases: list[Case] = []
        if corpus in wanted:
            cases += collected.backbones[: args.limit]
        if "classifiers" in wanted:
            cases += collected.classifiers[: args.limit]
        for case in cases:
            result = check(case)
            results.append(result)
            status = "ok" if not result.stage else f"{result.stage}: {result.reason}"
            print(f"[{time.time() - start:6.0f}s] {case.label}: {status}", file=sys.stderr, flush=True)
    print("\n".join(loaded))
    print()
    print(table(results))
    print()
    lines = failures(results)
    print(f"Not passing ({len(lines)}):" if lines else "Every config passes.")
    print("\n".join(lines))
    print(f"\n{time.time() - start:.0f} s")
    if args.json is not None:
        args.json.write_text(json.dumps([r.as_json() for r in results], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

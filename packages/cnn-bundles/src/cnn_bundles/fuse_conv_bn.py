"""``fuse_conv_bn``: fold every BatchNorm that directly follows a convolution into it, for inference."""

from __future__ import annotations

import inspect
from collections import Counter
from typing import Any

import torch
import torch.fx
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from .bn_folding import folded_weight_and_bias, supports_folding
from .conv_module import ConvModule


def fuse_conv_bn(model: nn.Module) -> nn.Module:
    """Fold each BatchNorm that consumes a convolution's output, and nothing else, into that convolution.

    The data flow is read from a ``torch.fx`` trace of ``model.forward``
    (arguments with defaults keep their defaults). A pair is folded only when
    all of these hold:

    * a BatchNorm module (with running statistics) is applied directly to the
      output of a plain ``Conv1d``/``Conv2d``/``Conv3d`` module, with the same
      number of channels;
    * that output feeds nothing else (a conv whose output also goes to a
      shortcut keeps it);
    * the conv and the BatchNorm are each called once in the trace and appear
      once in the module tree (a shared module is never rewritten).

    ConvModules with ``efficient_conv_bn_eval`` are folded like the others.
    So ``conv -> act -> bn`` and ``bn -> conv`` are left alone, unlike mmcv's
    ``fuse_conv_bn``, which folds whatever BatchNorm is registered after a conv.
    The conv's weight and bias are rewritten (a bias is added if it had none)
    and the BatchNorm is replaced by ``nn.Identity`` in place, so the model
    keeps its class, its methods and its other state-dict keys.

    Submodules that hold no BatchNorm are not traced into (they are single
    calls in the graph), so their code cannot make the model untraceable.

    Untraceable models: when ``model`` cannot be traced (data-dependent
    control flow, unsupported calls), each child module is traced on its own,
    recursively, and pairs are folded inside the children that trace. A child's
    children are assumed to be called only from that child's ``forward``.
    BatchNorms in parts that never trace are left unchanged; a ConvModule
    always traces, so its conv -> norm pair is always folded.

    The fused model computes what ``model`` computed in eval mode (the
    BatchNorms' running statistics are baked in); it is meant for inference.

    Args:
        model: the model to fuse, modified in place.

    Returns:
        ``model`` itself.

    >>> model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.BatchNorm2d(4)).eval()
    >>> x = torch.rand(1, 3, 6, 6)
    >>> expected = model(x)
    >>> [type(layer).__name__ for layer in fuse_conv_bn(model)]  # the BN after the ReLU stays
    ['Conv2d', 'Identity', 'ReLU', 'BatchNorm2d']
    >>> torch.allclose(model(x), expected, atol=1e-6)
    True
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"fuse_conv_bn: model must be an nn.Module, got {type(model).__name__}: {model!r}")
    occurrences = Counter(id(m) for _, m in model.named_modules(remove_duplicate=False))
    # Trace ConvModules down their plain path, so their BatchNorm shows up as a call.
    efficient = [m for m in model.modules() if isinstance(m, ConvModule) and m.efficient_conv_bn_eval]
    for module in efficient:
        module.efficient_conv_bn_eval = False
    try:
        fuse_traceable_parts(model, occurrences)
    finally:
        for module in efficient:
            module.efficient_conv_bn_eval = True  # stays off where the BatchNorm was folded away
    return model


def fuse_traceable_parts(module: nn.Module, occurrences: Counter[int]) -> None:
    """Fuse ``module`` if it traces, else each of its children, recursively."""
    graph = trace(module)
    if graph is not None:
        for conv_name, bn_name in conv_bn_pairs(module, graph, occurrences):
            fold_pair(module, conv_name, bn_name)
        return
    for child in module.children():
        fuse_traceable_parts(child, occurrences)


class BatchNormTracer(torch.fx.Tracer):
    """Traces into a submodule only if it holds a BatchNorm; others are opaque calls.

    A submodule without BatchNorm has nothing to fold, and treating it as one
    call keeps its ``forward`` (attention blocks, custom ops) from making the
    whole model untraceable.
    """

    def is_leaf_module(self, m: nn.Module, module_qualified_name: str) -> bool:
        return super().is_leaf_module(m, module_qualified_name) or not any(
            isinstance(sub, _BatchNorm) for sub in m.modules()
        )


def trace(module: nn.Module) -> torch.fx.Graph | None:
    """The fx graph of ``module.forward`` with defaulted arguments fixed, or ``None`` if it cannot be traced."""
    if not any(isinstance(sub, _BatchNorm) for sub in module.modules()) or not list(module.children()):
        return None  # nothing to fold inside
    try:
        signature = inspect.signature(module.forward)
        concrete = {
            name: p.default
            for name, p in signature.parameters.items()
            if p.default is not inspect.Parameter.empty and p.kind is not p.VAR_KEYWORD
        }
        return BatchNormTracer().trace(module, concrete_args=concrete or None)
    except Exception:  # tracing raises many kinds of errors; any of them means "not traceable"
        return None


def conv_bn_pairs(root: nn.Module, graph: torch.fx.Graph, occurrences: Counter[int]) -> list[tuple[str, str]]:
    """``(conv_name, bn_name)`` for each BatchNorm in ``graph`` that only consumes a foldable conv's output."""
    calls = Counter(node.target for node in graph.nodes if node.op == "call_module")
    pairs = []
    for node in graph.nodes:
        if node.op != "call_module" or len(node.args) != 1 or node.kwargs:
            continue
        bn = root.get_submodule(str(node.target))
        source = node.args[0]
        if not isinstance(bn, _BatchNorm) or not isinstance(source, torch.fx.Node) or source.op != "call_module":
            continue
        conv = root.get_submodule(str(source.target))
        if (
            supports_folding(conv, bn)
            and list(source.users) == [node]
            and calls[node.target] == 1
            and calls[source.target] == 1
            and occurrences[id(conv)] == 1
            and occurrences[id(bn)] == 1
        ):
            pairs.append((str(source.target), str(node.target)))
    return pairs


@torch.no_grad()
def fold_pair(root: nn.Module, conv_name: str, bn_name: str) -> None:
    """Rewrite the conv ``conv_name`` to include the BatchNorm ``bn_name``; put ``nn.Identity`` in its place."""
    conv: Any = root.get_submodule(conv_name)
    bn: Any = root.get_submodule(bn_name)
    weight, bias = folded_weight_and_bias(conv, bn)
    conv.weight.copy_(weight)
    if conv.bias is None:
        conv.bias = nn.Parameter(bias.to(conv.weight.dtype), requires_grad=conv.weight.requires_grad)
    else:
        conv.bias.copy_(bias)
    parent_name, _, attr = bn_name.rpartition(".")
    setattr(root.get_submodule(parent_name), attr, nn.Identity())

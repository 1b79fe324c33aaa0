"""``optimize_for_inference``: conv-bn folding, channels-last and ``torch.compile`` with freezing in one call.

The returned model is checked against the eager model on an example input
before it is handed back, so a speed-up never silently changes the answer.

Tolerances (the check passes when, for every output tensor,
``max |optimized - eager| <= tolerance * max(1, max |eager|)``):

* float32: ``1e-4``. Folding and inductor's kernels only reorder float32
  arithmetic (torchvision's ResNet-50 compiled with freezing differs from eager
  by 4e-7 of the output's scale).
* bfloat16 (and float16): ``5e-2``. Weights and activations keep 8 (11) bits of
  precision, so each layer adds relative rounding of about 4e-3 (5e-4); a small
  ResNet-18 differs by 6e-3 of its scale, ResNet-50 stays within the tolerance.

Recompilation: the model is compiled with ``dynamic=None``: the first call is
specialised to the example's shape (the fastest kernels); the first call with
another batch size recompiles once with the batch dimension dynamic, which then
serves every batch size of 2 or more. torch specialises size 1, so a batch of 1
is one more compilation at most: three in all, whatever sequence of batch sizes
follows. Each call of ``optimize_for_inference`` keeps its own compiled entries
(``isolate_recompiles``, torch 2.13 and later), so optimising several models of one class does
not use up the recompile limit of ``torch._dynamo.config``.
"""

from __future__ import annotations

import copy
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import torch
from torch import nn

from .channels_last import to_channels_last
from .fuse_conv_bn import fuse_conv_bn

FLOAT32_TOLERANCE = 1e-4
"""Largest difference allowed in float32, relative to ``max(1, max |eager output|)``."""

REDUCED_PRECISION_TOLERANCE = 5e-2
"""Largest difference allowed in bfloat16 or float16, relative to ``max(1, max |eager output|)``."""

DTYPES = (torch.float32, torch.bfloat16, torch.float16)


class InferenceMismatchError(RuntimeError):
    """The optimised model's outputs differ from the eager model's by more than the tolerance.

    Attributes:
        output: which output differs, e.g. ``'output'`` or ``'output[3]'``.
        max_difference: the largest absolute difference found there (``nan`` when values are not finite,
            ``inf`` when the outputs do not have the same structure or shape).
        allowed: the largest difference the tolerance allowed there.
    """

    def __init__(self, message: str, *, output: str, max_difference: float, allowed: float) -> None:
        super().__init__(message)
        self.output = output
        self.max_difference = max_difference
        self.allowed = allowed


class InferenceModel(nn.Module):
    """What `optimize_for_inference` returns: the folded model, its compiled form and the input conversion.

    Calling it casts the first (image) argument to the model's dtype and memory
    format, runs the compiled model without autograd, and casts floating-point
    outputs back to the input's dtype. ``model`` is the folded, converted eager
    module (its parameters are the ones compiled in); ``compiled`` is what runs.
    """

    compiled: Callable[..., Any]

    def __init__(
        self, model: nn.Module, compiled: Callable[..., Any], *, channels_last: bool, dtype: torch.dtype | None
    ) -> None:
        super().__init__()
        self.model = model
        object.__setattr__(self, "compiled", compiled)  # not a submodule: its parameters are model's
        self.channels_last = channels_last
        self.dtype = dtype

    def forward(self, inputs: torch.Tensor, *args: Any, **kwargs: Any) -> Any:
        x = inputs if self.dtype is None else inputs.to(self.dtype)
        if self.channels_last and x.dim() == 4:
            x = x.contiguous(memory_format=torch.channels_last)
        with torch.no_grad():
            outputs = self.compiled(x, *args, **kwargs)
        if self.dtype is None or self.dtype == inputs.dtype:
            return outputs
        return _map_tensors(outputs, lambda t: t.to(inputs.dtype) if t.is_floating_point() else t)

    def train(self, mode: bool = True) -> InferenceModel:
        if mode:
            raise ValueError("an optimized inference model cannot be put in training mode; train the original model")
        return super().train(False)


def optimize_for_inference(
    model: nn.Module,
    example_input: torch.Tensor,
    *,
    dtype: torch.dtype | None = None,
    backend: str | Callable[..., Any] | None = "inductor",
    check: bool = True,
    tolerance: float | None = None,
) -> InferenceModel:
    """A copy of ``model`` made for inference: conv-bn folded, channels-last, compiled with freezing, checked.

    Steps, on a deep copy in eval mode (``model`` itself is not touched):

    1. every BatchNorm that directly follows a convolution is folded into it
       (`cnn_bundles.fuse_conv_bn`);
    2. parameters (and inputs, at each call) become channels-last when the
       model has 2-D convolutions and ``example_input`` is 4-D, where CPUs' and
       GPUs' convolution kernels are fastest;
    3. the model is cast to ``dtype`` (``None`` keeps float32) and compiled with
       ``torch.compile(backend=backend)``; with ``'inductor'`` the option
       ``freezing`` is on for this compilation only (weights become constants,
       so convolutions get pre-packed weights and fused activations);
    4. with ``check=True`` its outputs on ``example_input`` are compared with
       the eager model's (see the module docstring for the tolerances) and an
       `InferenceMismatchError` naming the largest difference is raised
       if they differ. This first call also pays for the compilation.

    Args:
        model: any module taking an image batch first: a backbone (tensor, tuple or list outputs),
            an ``ImageClassifier`` (its ``'tensor'`` mode) ...
        example_input: a typical input, on the model's device; its shape is the one compiled first.
        dtype: ``None`` or ``torch.float32``, ``torch.bfloat16`` or ``torch.float16`` (the latter two only where
            the device computes them natively; the CPU needs AVX512-BF16/AMX for bfloat16, AMX-FP16 for float16).
        backend: a ``torch.compile`` backend name or callable; ``None`` to fold and convert without compiling.
        check: compare with the eager model on ``example_input``.
        tolerance: the largest difference allowed, relative to ``max(1, max |eager output|)``; ``None`` for
            `FLOAT32_TOLERANCE` or `REDUCED_PRECISION_TOLERANCE`.

    Returns:
        an `InferenceModel`: call it like ``model``, under any grad mode.

    >>> from cnn_bundles import ConvModule
    >>> net = nn.Sequential(ConvModule(3, 8, 3, norm_cfg=dict(type='BN')), nn.AdaptiveAvgPool2d(1))
    >>> x = torch.rand(2, 3, 16, 16)
    >>> fast = optimize_for_inference(net, x, backend='eager')  # 'inductor' (the default) is the fast one
    >>> fast(x).shape, net.training  # the original model is unchanged
    (torch.Size([2, 8, 1, 1]), True)
    """
    _validate(model, example_input, dtype, backend, check, tolerance)
    eager = copy.deepcopy(model).eval()
    with torch.no_grad():
        reference = eager(example_input)
        fuse_conv_bn(eager)
        channels_last = example_input.dim() == 4 and any(isinstance(m, nn.Conv2d) for m in eager.modules())
        if channels_last:
            to_channels_last(eager)
        if dtype is not None:
            eager.to(dtype)
    eager.requires_grad_(False)
    compiled: Callable[..., Any] = eager if backend is None else _compile(eager, backend)
    optimized = InferenceModel(eager, compiled, channels_last=channels_last, dtype=dtype).eval()
    if check:
        if tolerance is None:
            tolerance = FLOAT32_TOLERANCE if dtype in (None, torch.float32) else REDUCED_PRECISION_TOLERANCE
        compare_outputs(optimized(example_input), reference, tolerance)
    return optimized


def _compile(model: nn.Module, backend: str | Callable[..., Any]) -> Callable[..., Any]:
    kwargs: dict[str, Any] = {"backend": backend, "dynamic": None}
    if backend == "inductor":
        kwargs["options"] = {"freezing": True}  # scoped to this compilation, unlike torch._inductor.config
    if "isolate_recompiles" in inspect.signature(torch.compile).parameters:  # torch >= 2.13
        kwargs["isolate_recompiles"] = True
    return torch.compile(model, **kwargs)


def compare_outputs(actual: Any, expected: Any, tolerance: float) -> None:
    """Raise `InferenceMismatchError` unless every tensor of ``actual`` is within ``tolerance`` of ``expected``.

    The allowed difference of each tensor is ``tolerance * max(1, max |expected|)``.

    >>> compare_outputs((torch.ones(2), torch.zeros(1)), (torch.ones(2), torch.zeros(1) + 1e-6), 1e-4)
    >>> compare_outputs([torch.ones(2)], [torch.ones(2) * 1.1], 1e-4)
    Traceback (most recent call last):
    ...
    cnn_bundles.inference.InferenceMismatchError: the optimized model differs ... by up to 0.1 in output[0], ...
    """
    actual_items = dict(_flatten("output", actual))
    expected_items = dict(_flatten("output", expected))
    if actual_items.keys() != expected_items.keys():
        raise InferenceMismatchError(
            f"the optimized model's outputs {sorted(actual_items)} do not have the structure of the eager "
            f"model's {sorted(expected_items)}",
            output="output",
            max_difference=float("inf"),
            allowed=0.0,
        )
    worst: tuple[float, float, str] | None = None  # (difference / allowed, difference, name)
    for name, ref in expected_items.items():
        out = actual_items[name]
        if not isinstance(ref, torch.Tensor) or not isinstance(out, torch.Tensor):
            if out != ref:
                raise InferenceMismatchError(
                    f"{name} is {out!r} in the optimized model, {ref!r} in the eager model",
                    output=name,
                    max_difference=float("inf"),
                    allowed=0.0,
                )
            continue
        if out.shape != ref.shape:
            raise InferenceMismatchError(
                f"{name} has shape {tuple(out.shape)} in the optimized model, {tuple(ref.shape)} in the eager model",
                output=name,
                max_difference=float("inf"),
                allowed=0.0,
            )
        if ref.numel() == 0:
            continue
        ref64, out64 = ref.detach().double(), out.detach().to(ref.device).double()
        allowed = tolerance * max(1.0, ref64.abs().max().item())
        difference = (out64 - ref64).abs().max().item()
        ratio = float("inf") if difference != difference else difference / allowed  # nan: not finite
        if worst is None or ratio > worst[0]:
            worst = (ratio, difference, name)
    if worst is not None and worst[0] > 1:
        _, difference, name = worst
        allowed = tolerance * max(1.0, expected_items[name].detach().double().abs().max().item())
        raise InferenceMismatchError(
            f"the optimized model differs from the eager model by up to {difference:.3g} in {name}, "
            f"more than the {allowed:.3g} allowed (tolerance {tolerance:g} x max(1, max |eager output|)); "
            "pass check=False to skip the check, or a larger tolerance",
            output=name,
            max_difference=difference,
            allowed=allowed,
        )


def _flatten(name: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, (list, tuple)):
        for i, item in enumerate(value):
            yield from _flatten(f"{name}[{i}]", item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _flatten(f"{name}[{key!r}]", item)
    else:
        yield name, value


def _map_tensors(value: Any, fn: Callable[[torch.Tensor], torch.Tensor]) -> Any:
    if isinstance(value, torch.Tensor):
        return fn(value)
    if isinstance(value, tuple) and hasattr(value, "_fields"):  # a namedtuple
        return type(value)(*(_map_tensors(v, fn) for v in value))
    if isinstance(value, (list, tuple)):
        return type(value)(_map_tensors(v, fn) for v in value)
    if isinstance(value, dict):
        return type(value)({k: _map_tensors(v, fn) for k, v in value.items()})
    return value


def reduced_precision_supported(dtype: torch.dtype, device: torch.device) -> bool:
    """Whether ``device`` computes ``dtype`` (bfloat16 or float16) natively, so that it is worth using.

    On CPUs this is torch.cpu's capability check: AVX512-BF16 or AMX for
    bfloat16, AMX-FP16 for float16. Other dtypes are always supported.

    >>> reduced_precision_supported(torch.float32, torch.device('cpu'))
    True
    """
    if dtype not in (torch.bfloat16, torch.float16):
        return True
    if device.type == "cuda":
        return dtype == torch.float16 or torch.cuda.is_bf16_supported()
    if device.type != "cpu":
        return True  # other accelerators: let the backend decide
    cpu: Any = torch.cpu
    checks: tuple[str, ...]
    if dtype == torch.bfloat16:
        checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    else:
        checks = ("_is_amx_fp16_supported",)
    return any(bool(getattr(cpu, check, lambda: False)()) for check in checks)


def _validate(model: Any, example_input: Any, dtype: Any, backend: Any, check: Any, tolerance: Any) -> None:
    where = "optimize_for_inference"
    if not isinstance(model, nn.Module):
        raise TypeError(f"{where}: model must be an nn.Module, got {type(model).__name__}: {model!r}")
    if not isinstance(example_input, torch.Tensor) or not example_input.is_floating_point():
        shown = example_input.dtype if isinstance(example_input, torch.Tensor) else repr(example_input)[:80]
        raise TypeError(
            f"{where}: example_input must be a floating-point tensor (a batch of images), "
            f"got {type(example_input).__name__} {shown}"
        )
    if example_input.dim() == 0 or example_input.shape[0] == 0:
        raise ValueError(f"{where}: example_input must be a non-empty batch, got shape {tuple(example_input.shape)}")
    if dtype is not None and dtype not in DTYPES:
        raise ValueError(f"{where}: dtype must be None or one of {DTYPES}, got {dtype!r}")
    if not isinstance(check, bool):
        raise TypeError(f"{where}: check must be True or False, got {type(check).__name__}: {check!r}")
    if tolerance is not None and (
        isinstance(tolerance, bool) or not isinstance(tolerance, (int, float)) or not tolerance > 0
    ):
        raise ValueError(f"{where}: tolerance must be a positive number or None, got {tolerance!r}")
    if backend is not None and not callable(backend):
        names = torch._dynamo.list_backends(None)
        if not isinstance(backend, str) or backend not in names:
            raise ValueError(
                f"{where}: backend must be None, a callable or one of torch.compile's backends {names}, got {backend!r}"
            )
    devices = {t.device for t in model.parameters()} | {t.device for t in model.buffers()}
    if len(devices) > 1:
        raise ValueError(f"{where}: model must be on one device, its tensors are on {sorted(map(str, devices))}")
    if devices and example_input.device not in devices:
        raise ValueError(
            f"{where}: example_input is on {example_input.device}, the model on {next(iter(devices))}; move one of them"
        )
    device = next(iter(devices), example_input.device)
    if dtype is not None and not reduced_precision_supported(dtype, device):
        raise ValueError(
            f"{where}: dtype={dtype} is not computed natively on this {device.type} "
            f"(torch.cpu reports no {'AVX512-BF16 or AMX' if dtype == torch.bfloat16 else 'AMX-FP16'} support); "
            "use dtype=None (float32)"
        )

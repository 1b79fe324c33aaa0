"""optimize_for_inference: folded, channels-last, compiled, checked against eager; bounded recompiles; bad input.

Only one test pays for an inductor compilation (slow on two cores); the others use the ``eager``
backend (dynamo's real tracing and guards, no code generation) or ``backend=None``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import NamedTuple

import pytest
import torch
from torch import nn
from torch._dynamo.testing import CompileCounter

from cnn_bundles import ConvModule, InferenceMismatchError, optimize_for_inference
from cnn_bundles.inference import (
    FLOAT32_TOLERANCE,
    REDUCED_PRECISION_TOLERANCE,
    InferenceModel,
    compare_outputs,
    reduced_precision_supported,
)


class TorchRelu(nn.Module):
    """``torch.relu`` as a module: the call dynamo's ``relu_accuracy_error_TESTING_ONLY`` backend corrupts."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x)


class Pyramid(nn.Module):
    """A tiny backbone: conv-bn-relu stages returning a tuple of feature maps, like the backbones do."""

    def __init__(self, as_list: bool = False) -> None:
        super().__init__()
        self.stem = ConvModule(3, 8, 3, padding=1, norm_cfg=dict(type="BN"))
        self.stage1 = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1, bias=False), nn.BatchNorm2d(8), TorchRelu())
        self.stage2 = nn.Sequential(nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.BatchNorm2d(16), nn.ReLU())
        self.as_list = as_list

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...] | list[torch.Tensor]:
        c1 = self.stage1(self.stem(x))
        c2 = self.stage2(c1)
        return [c1, c2] if self.as_list else (c1, c2)


@pytest.fixture
def pyramid(random_bn: Callable[..., nn.Module]) -> Pyramid:
    torch.manual_seed(0)
    return random_bn(Pyramid())


def batchnorms(model: nn.Module) -> int:
    return sum(isinstance(m, nn.BatchNorm2d) for m in model.modules())


def test_folds_converts_and_matches_eager_without_touching_the_model(pyramid: Pyramid) -> None:
    pyramid.train()
    before = copy.deepcopy(pyramid.state_dict())
    x = torch.randn(2, 3, 16, 16)
    fast = optimize_for_inference(pyramid, x, backend="eager")
    # the original: same mode, same tensors, same layout, BatchNorms still there
    assert pyramid.training and batchnorms(pyramid) == 3
    assert all(torch.equal(before[k], v) for k, v in pyramid.state_dict().items())
    assert pyramid.stem.conv.weight.is_contiguous()
    # the optimised copy: folded, channels-last, eval, no grad
    assert batchnorms(fast.model) == 0 and not fast.training and fast.channels_last
    assert fast.model.stage1[0].weight.is_contiguous(memory_format=torch.channels_last)
    assert not any(p.requires_grad for p in fast.parameters())
    with torch.no_grad():
        expected = pyramid.eval()(x)
    got = fast(x)
    assert isinstance(got, tuple) and len(got) == 2
    for a, b in zip(got, expected, strict=True):
        assert a.dtype == torch.float32 and not a.requires_grad
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5)


def test_list_outputs_keep_their_type(random_bn: Callable[..., nn.Module]) -> None:
    model = random_bn(Pyramid(as_list=True))
    x = torch.randn(1, 3, 8, 8)
    got = optimize_for_inference(model, x, backend=None)(x)
    assert isinstance(got, list) and [o.shape[1] for o in got] == [8, 16]


def test_a_wrong_compilation_is_caught_naming_the_output_and_the_difference(pyramid: Pyramid) -> None:
    x = torch.randn(2, 3, 16, 16)
    # A real dynamo backend that rewrites torch.relu(x) into x + 1: stage1's positive outputs are off by 1.
    with pytest.raises(
        InferenceMismatchError, match=r"differs from the eager model by up to [\d.]+ in output\[0\]"
    ) as info:
        optimize_for_inference(pyramid, x, backend="relu_accuracy_error_TESTING_ONLY")
    assert info.value.output == "output[0]"
    assert info.value.max_difference >= 1 - 1e-5
    assert info.value.allowed < 1e-2
    # check=False trusts the compilation, as asked
    optimize_for_inference(pyramid, x, backend="relu_accuracy_error_TESTING_ONLY", check=False)


def test_tolerance_is_stated_and_can_be_set(pyramid: Pyramid) -> None:
    assert FLOAT32_TOLERANCE == 1e-4 and REDUCED_PRECISION_TOLERANCE == 5e-2
    x = torch.randn(2, 3, 16, 16)
    # Folding changes the float32 rounding a little: far below the default, above an absurd tolerance.
    optimize_for_inference(pyramid, x, backend=None)
    with pytest.raises(InferenceMismatchError, match=r"tolerance 1e-12"):
        optimize_for_inference(pyramid, x, backend=None, tolerance=1e-12)


def test_recompilations_are_bounded_whatever_the_batch_sizes(pyramid: Pyramid) -> None:
    torch._dynamo.reset()  # forget the shapes earlier tests compiled Pyramid.forward for
    counter = CompileCounter()  # a real dynamo backend that counts the graphs it is given
    fast = optimize_for_inference(pyramid, torch.randn(4, 3, 16, 16), backend=counter)
    assert counter.frame_count == 1
    for batch in (2, 3, 5, 8, 1, 7, 1, 6, 3):
        outputs = fast(torch.randn(batch, 3, 16, 16))
        assert outputs[1].shape == (batch, 16, 8, 8)
    # the example's shape, then one graph with a dynamic batch, then batch 1 (torch specialises size 1)
    assert counter.frame_count == 3


def test_each_optimised_model_has_its_own_recompile_budget(random_bn: Callable[..., nn.Module]) -> None:
    # Three models of one class need 9 graphs, more than dynamo's shared limit of 8 per code object.
    torch._dynamo.reset()
    counters = [CompileCounter() for _ in range(3)]
    models = [
        optimize_for_inference(random_bn(Pyramid()), torch.randn(2, 3, 8, 8), backend=counter) for counter in counters
    ]
    for batch in (3, 1, 4):
        for model in models:
            model(torch.randn(batch, 3, 8, 8))
    assert [c.frame_count for c in counters] == [3, 3, 3]


@pytest.mark.skipif(
    not reduced_precision_supported(torch.bfloat16, torch.device("cpu")), reason="this CPU has no native bfloat16"
)
def test_bfloat16_runs_in_bfloat16_and_answers_in_the_input_dtype(pyramid: Pyramid) -> None:
    x = torch.randn(2, 3, 16, 16)
    fast = optimize_for_inference(pyramid, x, dtype=torch.bfloat16, backend="eager")
    assert fast.model.stem.conv.weight.dtype == torch.bfloat16
    got = fast(x)
    assert [o.dtype for o in got] == [torch.float32, torch.float32]
    with torch.no_grad():
        expected = pyramid.eval()(x)
    error = max(
        ((a - b).abs().max() / max(1.0, b.abs().max().item())).item() for a, b in zip(got, expected, strict=True)
    )
    assert 0 < error <= REDUCED_PRECISION_TOLERANCE  # really rounded to bfloat16, within the stated tolerance


def test_inductor_with_freezing_at_two_batch_sizes_leaves_the_global_config_alone(pyramid: Pyramid) -> None:
    """The suite's one inductor compilation: frozen weights, then a dynamic batch dimension."""
    import torch._inductor.config as inductor_config

    freezing_before = inductor_config.freezing
    torch._dynamo.reset()
    fast = optimize_for_inference(pyramid, torch.randn(2, 3, 16, 16))  # inductor, freezing, checked inside
    assert inductor_config.freezing == freezing_before
    for batch in (2, 3):  # the second size recompiles once, with the batch dimension dynamic
        x = torch.randn(batch, 3, 16, 16)
        with torch.no_grad():
            expected = pyramid.eval()(x)
        for a, b in zip(fast(x), expected, strict=True):
            torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize(
    ("kwargs", "error", "pattern"),
    [
        (dict(model=lambda x: x), TypeError, r"model must be an nn.Module, got function"),
        (dict(example_input=[1.0, 2.0]), TypeError, r"example_input must be a floating-point tensor.*got list"),
        (dict(example_input=torch.ones(2, 3, 8, 8, dtype=torch.long)), TypeError, r"example_input.*torch.int64"),
        (dict(example_input=torch.ones(0, 3, 8, 8)), ValueError, r"example_input must be a non-empty batch.*0, 3"),
        (dict(dtype=torch.int8), ValueError, r"dtype must be None or one of .*got torch.int8"),
        (dict(dtype="bfloat16"), ValueError, r"dtype must be None or one of .*got 'bfloat16'"),
        (dict(backend="indcutor"), ValueError, r"backend must be None, a callable or one of .*got 'indcutor'"),
        (dict(check="yes"), TypeError, r"check must be True or False, got str: 'yes'"),
        (dict(tolerance=-1.0), ValueError, r"tolerance must be a positive number or None, got -1.0"),
        (dict(example_input=torch.ones(2, 3, 8, 8, device="meta")), ValueError, r"example_input is on meta"),
    ],
)
def test_bad_arguments_name_the_argument_and_the_value(
    pyramid: Pyramid, kwargs: dict[str, object], error: type[Exception], pattern: str
) -> None:
    arguments: dict[str, object] = dict(model=pyramid, example_input=torch.ones(1, 3, 8, 8), backend="eager")
    arguments.update(kwargs)
    with pytest.raises(error, match=f"optimize_for_inference: {pattern}"):
        optimize_for_inference(**arguments)  # type: ignore[arg-type]


def test_the_returned_model_refuses_training_mode(pyramid: Pyramid) -> None:
    fast = optimize_for_inference(pyramid, torch.randn(1, 3, 8, 8), backend=None)
    fast.eval()
    with pytest.raises(ValueError, match="cannot be put in training mode"):
        fast.train()


@pytest.mark.skipif(
    reduced_precision_supported(torch.float16, torch.device("cpu")), reason="this CPU computes float16 natively"
)
def test_a_dtype_the_cpu_does_not_compute_natively_is_refused_naming_it(pyramid: Pyramid) -> None:
    with pytest.raises(ValueError, match=r"dtype=torch.float16 is not computed natively on this cpu .*AMX-FP16"):
        optimize_for_inference(pyramid, torch.ones(1, 3, 8, 8), dtype=torch.float16, backend=None)


def test_a_model_on_two_devices_is_refused_naming_them(pyramid: Pyramid) -> None:
    pyramid.stage2.to("meta")
    with pytest.raises(ValueError, match=r"model must be on one device, its tensors are on \['cpu', 'meta'\]"):
        optimize_for_inference(pyramid, torch.ones(1, 3, 8, 8), backend=None)


def test_reduced_precision_support_by_device() -> None:
    assert reduced_precision_supported(torch.float32, torch.device("cpu"))
    assert reduced_precision_supported(torch.float16, torch.device("cuda"))  # every CUDA GPU computes float16
    assert reduced_precision_supported(torch.bfloat16, torch.device("meta"))  # other devices: their backend decides
    amx_fp16 = getattr(torch.cpu, "_is_amx_fp16_supported", None)  # torch 2.4 cannot tell: then float16 is not used
    assert reduced_precision_supported(torch.float16, torch.device("cpu")) == (amx_fp16 is not None and amx_fp16())


class Named(NamedTuple):
    features: torch.Tensor
    labels: torch.Tensor


class Structured(nn.Module):
    """Outputs in every container the inference model maps: a namedtuple, a dict, a list, and non-tensors."""

    def forward(self, x: torch.Tensor) -> dict[str, object]:
        return {"named": Named(x * 2, x.sum().long()), "list": [x + 1, "label"], "scale": 3}


def test_outputs_in_any_container_come_back_in_the_input_dtype() -> None:
    model = Structured()
    fast = InferenceModel(model, model, channels_last=False, dtype=torch.float64)
    x = torch.ones(1, 2, dtype=torch.float32)
    out = fast(x)
    assert isinstance(out["named"], Named)
    assert out["named"].features.dtype == torch.float32 and torch.equal(out["named"].features, x * 2)
    assert out["named"].labels.dtype == torch.int64  # integer outputs keep their dtype
    assert out["list"][0].dtype == torch.float32 and out["list"][1] == "label"
    assert out["scale"] == 3


@pytest.mark.parametrize(
    ("actual", "expected", "output", "pattern"),
    [
        ((torch.ones(1),), (torch.ones(1), torch.ones(1)), "output", r"outputs \['output\[0\]'\] do not have the "),
        ({"a": torch.ones(2)}, {"a": torch.ones(3)}, "output['a']", r"output\['a'\] has shape \(2,\) in the optim"),
        ([torch.ones(1), 2], [torch.ones(1), 3], "output[1]", r"output\[1\] is 2 in the optimized model, 3 in the"),
    ],
)
def test_outputs_of_another_structure_shape_or_value_are_a_mismatch(
    actual: object, expected: object, output: str, pattern: str
) -> None:
    with pytest.raises(InferenceMismatchError, match=pattern) as caught:
        compare_outputs(actual, expected, FLOAT32_TOLERANCE)
    assert caught.value.output == output
    assert caught.value.max_difference == float("inf")


def test_equal_non_tensor_and_empty_outputs_match() -> None:
    compare_outputs({"n": 2, "empty": torch.ones(0, 4)}, {"n": 2, "empty": torch.zeros(0, 4)}, FLOAT32_TOLERANCE)

"""Every type registered by cnn_layers builds from a cfg, runs, and leaves the cfg alone."""

from __future__ import annotations

import copy
import inspect

import pytest
import torch
from torch import nn

import cnn_layers
from cnn_layers import (
    ACTIVATION_LAYERS,
    CONV_LAYERS,
    DROPOUT_LAYERS,
    NORM_LAYERS,
    PADDING_LAYERS,
    UPSAMPLE_LAYERS,
    build_activation_layer,
    build_conv_layer,
    build_dropout,
    build_norm_layer,
    build_padding_layer,
    build_upsample_layer,
)


def norm(cfg):
    return build_norm_layer(cfg, CHANNELS)[1]


# The catalogue is read from the registries: every type that torch or cnn_layers registers is built
# from a cfg and run, with no table to keep. Required constructor arguments come from STANDARD_VALUES
# by name; a layer type with a required argument of another name adds it here.
BUILDERS = {
    "conv_layers": (CONV_LAYERS, build_conv_layer),
    "norm_layers": (NORM_LAYERS, norm),
    "activation_layers": (ACTIVATION_LAYERS, build_activation_layer),
    "upsample_layers": (UPSAMPLE_LAYERS, build_upsample_layer),
    "padding_layers": (PADDING_LAYERS, build_padding_layer),
    "dropout_layers": (DROPOUT_LAYERS, build_dropout),
}
CHANNELS = 4
STANDARD_VALUES = {
    "in_channels": CHANNELS,
    "out_channels": 6,
    "kernel_size": 3,
    "num_groups": 2,
    "scale_factor": 2,
    "upsample_kernel": 3,
    "padding": 1,
}
# What the norm builder passes itself, and what the upsample builder derives from the type name.
GIVEN_BY_BUILDER = {"num_features", "num_channels", "normalized_shape", "mode"}
# Inputs tried in turn, most dimensions first (so a 3-D layer is not run on a 2-D layer's input
# taken as unbatched); a layer must accept one of them (channels second, and last for LayerNorm).
INPUTS = [(2, CHANNELS, 3, 3, 3), (2, CHANNELS, 5, 5), (2, CHANNELS, 5), (2, CHANNELS), (2, 3, CHANNELS)]


def own_names(registry):
    """Names whose class comes from torch or cnn_layers (not from another package or a test)."""
    return sorted(
        name for name, cls in registry.items() if getattr(cls, "__module__", "").startswith(("torch.", "cnn_layers."))
    )


def standard_cfg(kind, name):
    """``dict(type=name)`` plus the standard value of each required argument the builder does not give."""
    registry, _ = BUILDERS[kind]
    cls = registry.get(name)
    cfg = {"type": name}
    for param in inspect.signature(cls).parameters.values():
        wanted = param.default is param.empty and param.kind in (param.POSITIONAL_OR_KEYWORD, param.KEYWORD_ONLY)
        if (wanted or (kind == "upsample_layers" and param.name == "scale_factor")) and param.name not in (
            GIVEN_BY_BUILDER
        ):
            assert param.name in STANDARD_VALUES, f"{name} needs {param.name!r}: add a value to STANDARD_VALUES"
            cfg[param.name] = STANDARD_VALUES[param.name]
    return cfg


def cases():
    for kind, (registry, _) in BUILDERS.items():
        for name in own_names(registry):
            # DCN types run on torchvision's deform_conv2d: peer tests, run by `nox -s peers`.
            needs_torchvision = registry.get(name).__module__ == "cnn_layers.deform_conv"
            yield pytest.param(kind, name, marks=pytest.mark.peer) if needs_torchvision else (kind, name)


def test_the_catalogue_reaches_every_kind_of_layer():
    names = {kind: own_names(BUILDERS[kind][0]) for kind in BUILDERS}
    assert {"Conv2d", "ConvWS", "DCNv2", "Conv2dAdaptivePadding"} <= set(names["conv_layers"])
    assert {"BN", "GN", "LN", "SyncBN"} <= set(names["norm_layers"])
    assert {"ReLU", "HSigmoid", "Clamp"} <= set(names["activation_layers"])
    assert {"nearest", "deconv", "pixel_shuffle"} <= set(names["upsample_layers"])
    assert {"zero", "reflect"} <= set(names["padding_layers"])
    assert {"Dropout", "DropPath"} <= set(names["dropout_layers"])


@pytest.mark.parametrize(("kind", "name"), list(cases()))
def test_type_builds_runs_and_keeps_cfg(kind, name):
    registry, builder = BUILDERS[kind]
    cfg = standard_cfg(kind, name)
    before = copy.deepcopy(cfg)
    torch.manual_seed(0)
    layer = builder(cfg)
    assert cfg == before
    assert isinstance(layer, registry.get(name))
    errors = []
    for shape in INPUTS:
        try:
            out = layer(torch.randn(shape))
        except (RuntimeError, ValueError, IndexError) as exc:
            errors.append(f"{shape}: {exc}")
            continue
        assert isinstance(out, torch.Tensor) and out.dim() == len(shape) and out.shape[0] == shape[0]
        if kind in ("norm_layers", "activation_layers", "dropout_layers"):
            assert out.shape == shape
        if kind == "conv_layers":
            assert out.shape[1] == STANDARD_VALUES["out_channels"]
        return
    pytest.fail(f"{name} ran on none of the standard inputs:\n" + "\n".join(errors))


TORCH_EQUIVALENTS = {
    ("activation_layers", "Swish"): nn.SiLU,
    ("activation_layers", "HSwish"): nn.Hardswish,
    ("activation_layers", "HSigmoid"): nn.Hardsigmoid,
    ("activation_layers", "Clamp"): nn.Hardtanh,
    ("activation_layers", "Clip"): nn.Hardtanh,
}


@pytest.mark.parametrize(("kind", "name"), sorted(TORCH_EQUIVALENTS))
def test_types_equal_the_torch_function_they_stand_for(kind, name):
    _, builder = BUILDERS[kind]
    x = torch.linspace(-5, 5, 101)
    torch.testing.assert_close(builder({"type": name})(x), TORCH_EQUIVALENTS[kind, name]()(x))


@pytest.mark.parametrize(
    ("name", "torch_cls"),
    [
        ("Conv1d", nn.Conv1d), ("Conv2d", nn.Conv2d), ("Conv", nn.Conv2d), ("Conv3d", nn.Conv3d),
        ("deconv", nn.ConvTranspose2d), ("deconv3d", nn.ConvTranspose3d),
    ],
)  # fmt: skip
def test_conv_names_are_the_torch_classes(name, torch_cls):
    assert CONV_LAYERS.get(name) is torch_cls


@pytest.mark.parametrize(
    ("name", "torch_cls"),
    [
        ("BN1d", nn.BatchNorm1d), ("BN2d", nn.BatchNorm2d), ("BN", nn.BatchNorm2d), ("BN3d", nn.BatchNorm3d),
        ("GN", nn.GroupNorm), ("LN", nn.LayerNorm), ("IN1d", nn.InstanceNorm1d), ("IN2d", nn.InstanceNorm2d),
        ("IN", nn.InstanceNorm2d), ("IN3d", nn.InstanceNorm3d),
    ],
)  # fmt: skip
def test_norm_names_are_the_torch_classes(name, torch_cls):
    assert NORM_LAYERS.get(name) is torch_cls


def test_registries_are_exported_with_their_fixed_names_and_scope():
    for variable in ("CONV", "NORM", "ACTIVATION", "UPSAMPLE", "PADDING", "PLUGIN", "DROPOUT"):
        registry = getattr(cnn_layers, f"{variable}_LAYERS")
        assert (registry.name, registry.scope) == (f"{variable.lower()}_layers", "cnn_layers")
    assert {"Dropout", "DropPath"} <= set(DROPOUT_LAYERS)  # build_dropout's registry holds its types

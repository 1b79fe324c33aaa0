"""Every type registered by cnn_layers builds from a cfg, runs, and leaves the cfg alone."""

from __future__ import annotations

import copy

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


def norm(cfg, *args):
    return build_norm_layer(cfg, *args)[1]


# registry -> name -> (builder, extra cfg keys, builder args, builder kwargs, input shape, output shape)
CONV = {
    "Conv1d": ({}, (2, 4, 3), {}, (1, 2, 8), (1, 4, 6)),
    "Conv2d": ({}, (2, 4, 3), {}, (1, 2, 8, 8), (1, 4, 6, 6)),
    "Conv": ({}, (2, 4, 3), {}, (1, 2, 8, 8), (1, 4, 6, 6)),
    "Conv3d": ({}, (2, 4, 3), {}, (1, 2, 4, 4, 4), (1, 4, 2, 2, 2)),
    "deconv": ({}, (2, 4, 2), {"stride": 2}, (1, 2, 3, 3), (1, 4, 6, 6)),
    "ConvTranspose2d": ({}, (2, 4, 2), {"stride": 2}, (1, 2, 3, 3), (1, 4, 6, 6)),
    "deconv3d": ({}, (2, 4, 2), {"stride": 2}, (1, 2, 2, 2, 2), (1, 4, 4, 4, 4)),
    "ConvTranspose3d": ({}, (2, 4, 2), {"stride": 2}, (1, 2, 2, 2, 2), (1, 4, 4, 4, 4)),
    "ConvWS": ({}, (2, 4, 3), {"padding": 1}, (1, 2, 5, 5), (1, 4, 5, 5)),
    "ConvWS2d": ({}, (2, 4, 3), {"padding": 1}, (1, 2, 5, 5), (1, 4, 5, 5)),
    "ConvAWS": ({}, (2, 4, 3), {"padding": 1}, (1, 2, 5, 5), (1, 4, 5, 5)),
    "ConvAWS2d": ({}, (2, 4, 3), {"padding": 1}, (1, 2, 5, 5), (1, 4, 5, 5)),
    "Conv2dAdaptivePadding": ({}, (2, 4, 3), {"stride": 2}, (1, 2, 5, 6), (1, 4, 3, 3)),
    "DCN": ({"deform_groups": 2}, (2, 4, 3), {"padding": 1}, (1, 2, 5, 5), (1, 4, 5, 5)),
    "DeformConv2d": ({}, (2, 4, 3), {"padding": 1}, (1, 2, 5, 5), (1, 4, 5, 5)),
    "DCNv2": ({}, (2, 4, 3), {"stride": 2}, (1, 2, 5, 5), (1, 4, 2, 2)),
    "ModulatedDeformConv2d": ({}, (2, 4, 3), {"stride": 2}, (1, 2, 5, 5), (1, 4, 2, 2)),
}
NEEDS_TORCHVISION = {"DCN", "DeformConv2d", "DCNv2", "ModulatedDeformConv2d"}
NORM = {
    "BN1d": ({}, (4,), {}, (3, 4, 5), (3, 4, 5)),
    "BN2d": ({}, (4,), {}, (3, 4, 2, 2), (3, 4, 2, 2)),
    "BN": ({}, (4,), {}, (3, 4, 2, 2), (3, 4, 2, 2)),
    "BN3d": ({}, (4,), {}, (3, 4, 2, 2, 2), (3, 4, 2, 2, 2)),
    "SyncBN": ({}, (4,), {}, (3, 4, 2, 2), (3, 4, 2, 2)),
    "GN": ({"num_groups": 2}, (4,), {}, (2, 4, 3, 3), (2, 4, 3, 3)),
    "LN": ({}, (4,), {}, (2, 3, 4), (2, 3, 4)),
    "IN1d": ({}, (4,), {}, (2, 4, 5), (2, 4, 5)),
    "IN2d": ({}, (4,), {}, (2, 4, 3, 3), (2, 4, 3, 3)),
    "IN": ({}, (4,), {}, (2, 4, 3, 3), (2, 4, 3, 3)),
    "IN3d": ({}, (4,), {}, (2, 4, 2, 2, 2), (2, 4, 2, 2, 2)),
}
ACTIVATION = {name: ({}, (), {}, (2, 5), (2, 5)) for name in (
    "ReLU", "LeakyReLU", "PReLU", "RReLU", "ReLU6", "ELU", "Sigmoid", "Tanh", "GELU", "Mish",
    "SiLU", "Swish", "HSwish", "HSigmoid", "Clamp", "Clip",
)}  # fmt: skip
UPSAMPLE = {
    "nearest": ({"scale_factor": 2}, (), {}, (1, 2, 3, 3), (1, 2, 6, 6)),
    "bilinear": ({"scale_factor": 2}, (), {}, (1, 2, 3, 3), (1, 2, 6, 6)),
    "Upsample": ({"scale_factor": 2}, (), {}, (1, 2, 3, 3), (1, 2, 6, 6)),
    "deconv": ({}, (2, 4, 2), {"stride": 2}, (1, 2, 3, 3), (1, 4, 6, 6)),
    "ConvTranspose2d": ({}, (2, 4, 2), {"stride": 2}, (1, 2, 3, 3), (1, 4, 6, 6)),
    "deconv3d": ({}, (2, 4, 2), {"stride": 2}, (1, 2, 2, 2, 2), (1, 4, 4, 4, 4)),
    "ConvTranspose3d": ({}, (2, 4, 2), {"stride": 2}, (1, 2, 2, 2, 2), (1, 4, 4, 4, 4)),
    "pixel_shuffle": (
        {"in_channels": 2, "out_channels": 3, "scale_factor": 2, "upsample_kernel": 3},
        (),
        {},
        (1, 2, 3, 3),
        (1, 3, 6, 6),
    ),
    "PixelShufflePack": (
        {"in_channels": 2, "out_channels": 3, "scale_factor": 3, "upsample_kernel": 1},
        (),
        {},
        (1, 2, 2, 2),
        (1, 3, 6, 6),
    ),
}
DROPOUT = {
    "Dropout": ({"drop_prob": 0.5}, (), {}, (4, 3), (4, 3)),
    "DropPath": ({"drop_prob": 0.5}, (), {}, (4, 3, 2, 2), (4, 3, 2, 2)),
}
PADDING = {name: ({}, (1,), {}, (1, 2, 3, 3), (1, 2, 5, 5)) for name in ("zero", "reflect", "replicate")}

CATALOG = {
    "conv_layers": (CONV_LAYERS, build_conv_layer, CONV),
    "norm_layers": (NORM_LAYERS, norm, NORM),
    "activation_layers": (ACTIVATION_LAYERS, build_activation_layer, ACTIVATION),
    "upsample_layers": (UPSAMPLE_LAYERS, build_upsample_layer, UPSAMPLE),
    "padding_layers": (PADDING_LAYERS, build_padding_layer, PADDING),
    "dropout_layers": (DROPOUT_LAYERS, build_dropout, DROPOUT),
}
# DCN types run on torchvision's deform_conv2d: they are peer tests, run by `nox -s peers`.
CASES = [
    pytest.param(kind, name, marks=pytest.mark.peer) if name in NEEDS_TORCHVISION else (kind, name)
    for kind, (_, _, table) in CATALOG.items()
    for name in table
]


def own_names(registry):
    """Names whose class comes from torch or cnn_layers (not from another package or a test)."""
    return sorted(
        name for name, cls in registry.items() if getattr(cls, "__module__", "").startswith(("torch.", "cnn_layers."))
    )


@pytest.mark.parametrize("kind", sorted(CATALOG))
def test_catalog_covers_every_registered_type(kind):
    registry, _, table = CATALOG[kind]
    assert own_names(registry) == sorted(table)


@pytest.mark.parametrize(("kind", "name"), CASES)
def test_type_builds_runs_and_keeps_cfg(kind, name):
    registry, builder, table = CATALOG[kind]
    extra, args, kwargs, in_shape, out_shape = table[name]
    cfg = {"type": name, **extra}
    before = copy.deepcopy(cfg)
    torch.manual_seed(0)
    layer = builder(cfg, *args, **kwargs)
    assert cfg == before
    assert isinstance(layer, registry.get(name))
    assert layer(torch.randn(in_shape)).shape == out_shape


TORCH_EQUIVALENTS = {
    ("activation_layers", "Swish"): nn.SiLU,
    ("activation_layers", "HSwish"): nn.Hardswish,
    ("activation_layers", "HSigmoid"): nn.Hardsigmoid,
    ("activation_layers", "Clamp"): nn.Hardtanh,
    ("activation_layers", "Clip"): nn.Hardtanh,
}


@pytest.mark.parametrize(("kind", "name"), sorted(TORCH_EQUIVALENTS))
def test_types_equal_the_torch_function_they_stand_for(kind, name):
    _, builder, _ = CATALOG[kind]
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

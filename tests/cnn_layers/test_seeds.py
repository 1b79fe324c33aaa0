"""The layer-building examples of seeds 000 (English) and 002 (Chinese), with our import names."""

import pytest
import torch
from torch import nn

from cnn_layers import UPSAMPLE_LAYERS, build_conv_layer, build_norm_layer, build_upsample_layer
from cnn_registry import UnknownTypeError


def test_chinese_seed_conv3d_example():
    cfg = dict(type="Conv3d")
    layer = build_conv_layer(cfg, in_channels=3, out_channels=8, kernel_size=3)
    assert type(layer) is nn.Conv3d
    assert layer(torch.zeros(1, 3, 4, 4, 4)).shape == (1, 8, 2, 2, 2)


def test_english_seed_typo_names_the_right_builder():
    # Seed 000 passes a conv type to build_norm_layer, a typo in the upstream docs.
    cfg = dict(type="Conv3d")
    with pytest.raises(UnknownTypeError) as info:
        build_norm_layer(cfg, in_channels=3, out_channels=8, kernel_size=3)
    message = str(info.value)
    assert message.startswith("build_norm_layer: 'Conv3d' is a conv layer type")
    assert "use build_conv_layer" in message
    assert "'Conv3d' is not in the 'norm_layers' registry" in message  # the registry's own text is kept
    assert cfg == dict(type="Conv3d")


@pytest.mark.usefixtures("restore_registries")
def test_seed_extension_example_runs_as_written():
    @UPSAMPLE_LAYERS.register_module()
    class MyUpsample:
        def __init__(self, scale_factor):
            pass

        def forward(self, x):
            pass

    cfg = dict(type="MyUpsample", scale_factor=2)
    layer = build_upsample_layer(cfg)
    assert type(layer) is MyUpsample
    assert cfg == dict(type="MyUpsample", scale_factor=2)


@pytest.mark.usefixtures("restore_registries")
def test_registered_upsample_gets_its_arguments():
    @UPSAMPLE_LAYERS.register_module()
    class MyUpsample(nn.Module):
        def __init__(self, scale_factor):
            super().__init__()
            self.scale_factor = scale_factor

        def forward(self, x):
            return nn.functional.interpolate(x, scale_factor=self.scale_factor)

    layer = build_upsample_layer(dict(type="MyUpsample", scale_factor=2))
    assert layer(torch.zeros(1, 1, 2, 3)).shape == (1, 1, 4, 6)


def test_seed_type_lists_are_registered():
    from cnn_layers import ACTIVATION_LAYERS, CONV_LAYERS, NORM_LAYERS, PADDING_LAYERS

    seeds = {
        CONV_LAYERS: "Conv1d Conv2d Conv3d Conv",
        NORM_LAYERS: "BN1d BN2d BN3d BN SyncBN GN LN IN1d IN2d IN3d IN",
        ACTIVATION_LAYERS: "ReLU LeakyReLU PReLU RReLU ReLU6 ELU Sigmoid Tanh GELU",
        UPSAMPLE_LAYERS: "nearest bilinear deconv pixel_shuffle",
        PADDING_LAYERS: "zero reflect replicate",
    }
    for registry, names in seeds.items():
        assert [name for name in names.split() if name not in registry] == [], registry.name

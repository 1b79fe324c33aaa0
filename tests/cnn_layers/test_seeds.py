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
def test_seed_extension_example_builds_a_registered_upsample():
    @UPSAMPLE_LAYERS.register_module()
    class MyUpsample:
        def __init__(self, scale_factor):
            self.scale_factor = scale_factor

        def forward(self, x):
            return x

    cfg = dict(type="MyUpsample", scale_factor=2)
    layer = build_upsample_layer(cfg)
    assert isinstance(layer, MyUpsample)
    assert layer.scale_factor == 2

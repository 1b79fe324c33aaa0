"""A bad channel count reaching a bundle is a TypeError or ValueError naming the bundle and the argument."""

import pytest

from cnn_bundles import (
    ContextBlock,
    ConvModule,
    DepthwiseSeparableConvModule,
    GeneralizedAttention,
    GhostBottleneck,
    GhostModule,
    NonLocal2d,
    SELayer,
)

BUNDLES = {
    "ConvModule": lambda c: ConvModule(c, 8, 3),
    "DepthwiseSeparableConvModule": lambda c: DepthwiseSeparableConvModule(c, 8, 3),
    "SELayer": lambda c: SELayer(c),
    "ContextBlock": lambda c: ContextBlock(c, 0.25),
    "NonLocal2d": lambda c: NonLocal2d(c),
    "GeneralizedAttention": lambda c: GeneralizedAttention(c),
    "GhostModule": lambda c: GhostModule(c, 8),
    "GhostBottleneck": lambda c: GhostBottleneck(c, 8, 8),
}
FIRST_ARGUMENT = {"SELayer": "channels"}


@pytest.mark.parametrize("bundle", sorted(BUNDLES))
@pytest.mark.parametrize(
    ("channels", "error", "shown"),
    [(-16, ValueError, "-16"), (0, ValueError, "0"), ("16", TypeError, "str: '16'"), (16.0, TypeError, "float: 16.0")],
)
def test_bad_channels(bundle, channels, error, shown):
    argument = FIRST_ARGUMENT.get(bundle, "in_channels")
    with pytest.raises(error, match=f"^{bundle}: {argument} must be a positive int, got {shown}$"):
        BUNDLES[bundle](channels)


def test_conv_module_names_out_channels_and_the_norm_arguments():
    with pytest.raises(ValueError, match="^ConvModule: out_channels must be a positive int, got 0$"):
        ConvModule(3, 0, 3)
    with pytest.raises(ValueError, match="^build_norm_layer: num_groups must be a positive int, got 0$"):
        ConvModule(3, 8, 3, norm_cfg=dict(type="GN", num_groups=0))
    with pytest.raises(ValueError, match="^build_norm_layer: eps must be a finite number >= 0, got -1$"):
        ConvModule(3, 8, 3, norm_cfg=dict(type="BN", eps=-1))
    with pytest.raises(ValueError, match="^build_conv_layer: kernel_size must be a positive int or a tuple of them"):
        ConvModule(3, 8, 0)

"""Build convolution, normalisation, activation, upsampling, padding, dropout and plugin layers from config dicts.

>>> from cnn_layers import build_conv_layer, build_norm_layer
>>> conv = build_conv_layer(dict(type='Conv2d'), 3, 8, kernel_size=3, padding=1)
>>> name, norm = build_norm_layer(dict(type='GN', num_groups=2), 8, postfix=1)
>>> name
'gn1'
"""

import importlib
import pkgutil

from .activation import build_activation_layer
from .clamp import Clamp
from .conv import build_conv_layer
from .conv2d_adaptive_padding import Conv2dAdaptivePadding, same_padding
from .conv_aws import ConvAWS2d
from .conv_ws import ConvWS2d, standardize_weight
from .deform_conv import DeformConv2d, ModulatedDeformConv2d
from .drop_path import DropPath, drop_path
from .dropout import Dropout, build_dropout
from .empty_batch import Conv2d, Conv3d, ConvTranspose2d, ConvTranspose3d, Linear, MaxPool2d, MaxPool3d
from .hsigmoid import HSigmoid
from .layer_scale import LayerScale
from .norm import build_norm_layer, infer_norm_abbr, is_norm
from .padding import build_padding_layer
from .pixel_shuffle import PixelShufflePack
from .plugin import build_plugin_layer, infer_plugin_abbr
from .registry import (
    ACTIVATION_LAYERS,
    CONV_LAYERS,
    DROPOUT_LAYERS,
    NORM_LAYERS,
    PADDING_LAYERS,
    PLUGIN_LAYERS,
    UPSAMPLE_LAYERS,
)
from .scale import Scale
from .size_arguments import check_positive_int, check_size_arguments
from .sync_bn import BatchNormNd, SyncBatchNorm, convert_sync_batchnorm, revert_sync_batchnorm
from .upsample import build_upsample_layer

__version__ = "0.1.0"

__all__ = [
    "ACTIVATION_LAYERS",
    "CONV_LAYERS",
    "DROPOUT_LAYERS",
    "NORM_LAYERS",
    "PADDING_LAYERS",
    "PLUGIN_LAYERS",
    "UPSAMPLE_LAYERS",
    "BatchNormNd",
    "Clamp",
    "Conv2d",
    "Conv2dAdaptivePadding",
    "Conv3d",
    "ConvAWS2d",
    "ConvTranspose2d",
    "ConvTranspose3d",
    "ConvWS2d",
    "DeformConv2d",
    "DropPath",
    "Dropout",
    "HSigmoid",
    "LayerScale",
    "Linear",
    "MaxPool2d",
    "MaxPool3d",
    "ModulatedDeformConv2d",
    "PixelShufflePack",
    "Scale",
    "SyncBatchNorm",
    "__version__",
    "build_activation_layer",
    "build_conv_layer",
    "build_dropout",
    "build_norm_layer",
    "build_padding_layer",
    "build_plugin_layer",
    "build_upsample_layer",
    "check_positive_int",
    "check_size_arguments",
    "convert_sync_batchnorm",
    "drop_path",
    "infer_norm_abbr",
    "infer_plugin_abbr",
    "is_norm",
    "revert_sync_batchnorm",
    "same_padding",
    "standardize_weight",
]


def _import_every_module() -> None:
    """Import each module of the package, so that whatever a module registers is registered."""
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


_import_every_module()

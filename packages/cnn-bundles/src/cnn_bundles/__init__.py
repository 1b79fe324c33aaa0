"""ConvModule and other convolution bundles, attention plugins and inference helpers.

>>> import torch
>>> from cnn_bundles import ConvModule, fuse_conv_bn
>>> block = ConvModule(3, 8, 3, padding=1, norm_cfg=dict(type='BN')).eval()
>>> x = torch.rand(1, 3, 8, 8)
>>> expected = block(x)
>>> torch.allclose(fuse_conv_bn(block)(x), expected, atol=1e-5)
True
"""

from .bn_folding import conv_bn_eval_forward, folded_weight_and_bias
from .channels_last import tensors_to_channels_last, to_channels_last
from .context_block import ContextBlock
from .conv_module import ConvModule
from .depthwise_separable_conv_module import DepthwiseSeparableConvModule
from .fuse_conv_bn import fuse_conv_bn
from .generalized_attention import GeneralizedAttention
from .ghost_bottleneck import GhostBottleneck
from .ghost_module import GhostModule
from .inference import InferenceMismatchError, InferenceModel, optimize_for_inference
from .make_divisible import make_divisible
from .non_local import NonLocal1d, NonLocal2d, NonLocal3d, NonLocalNd
from .se_layer import SELayer

__version__ = "0.1.0"

__all__ = [
    "ContextBlock",
    "ConvModule",
    "DepthwiseSeparableConvModule",
    "GeneralizedAttention",
    "GhostBottleneck",
    "GhostModule",
    "InferenceMismatchError",
    "InferenceModel",
    "NonLocal1d",
    "NonLocal2d",
    "NonLocal3d",
    "NonLocalNd",
    "SELayer",
    "__version__",
    "conv_bn_eval_forward",
    "folded_weight_and_bias",
    "fuse_conv_bn",
    "make_divisible",
    "optimize_for_inference",
    "tensors_to_channels_last",
    "to_channels_last",
]

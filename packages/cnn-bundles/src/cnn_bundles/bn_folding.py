"""Folding a BatchNorm into the convolution before it.

In eval mode a BatchNorm computes ``(y - mean) / sqrt(var + eps) * gamma + beta``,
a per-channel affine map. When ``y = conv(x, W) + b``, the same output comes
from one convolution with

    ``W' = W * s`` and ``b' = (b - mean) * s + beta``, where ``s = gamma / sqrt(var + eps)``

(``s`` broadcast over the output-channel dimension of ``W``). ``ConvModule``
uses this on the fly (differentiably) with ``efficient_conv_bn_eval=True``;
`fuse_conv_bn` uses it once to rewrite the weights.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

PLAIN_CONVS = (nn.Conv1d, nn.Conv2d, nn.Conv3d)


def is_plain_conv(module: nn.Module) -> bool:
    """Whether ``module`` computes ``conv(x, self.weight) + self.bias`` with torch's own forward.

    Subclasses that override ``forward`` (weight standardisation, adaptive
    padding), hooked or parametrized convolutions (spectral norm) are not plain:
    folding a scale into their stored weight would not scale their output.

    >>> is_plain_conv(nn.Conv2d(3, 4, 1)), is_plain_conv(nn.utils.spectral_norm(nn.Conv2d(3, 4, 1)))
    (True, False)
    """
    return (
        isinstance(module, PLAIN_CONVS)
        and any(type(module).forward is cls.forward for cls in PLAIN_CONVS)
        and not module._forward_pre_hooks
        and not module._forward_hooks
        and not nn.utils.parametrize.is_parametrized(module)
    )


def supports_folding(conv: nn.Module, norm: nn.Module | None) -> bool:
    """Whether ``norm`` can be folded into ``conv``: a plain conv and a BatchNorm with running statistics.

    >>> supports_folding(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4))
    True
    >>> supports_folding(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4, track_running_stats=False))
    False
    """
    return (
        is_plain_conv(conv)
        and isinstance(norm, _BatchNorm)
        and norm.running_mean is not None
        and norm.running_var is not None
        and norm.num_features == conv.out_channels
    )


def folded_weight_and_bias(conv: Any, bn: _BatchNorm) -> tuple[torch.Tensor, torch.Tensor]:
    """The weight and bias of one convolution equal to ``conv`` then ``bn`` in eval mode.

    Differentiable in ``conv.weight``, ``conv.bias``, ``bn.weight`` and ``bn.bias``.

    >>> conv, bn = nn.Conv2d(2, 3, 1), nn.BatchNorm2d(3).eval()
    >>> weight, bias = folded_weight_and_bias(conv, bn)
    >>> x = torch.rand(1, 2, 4, 4)
    >>> torch.allclose(nn.functional.conv2d(x, weight, bias), bn(conv(x)), atol=1e-6)
    True
    """
    if bn.running_mean is None or bn.running_var is None:
        raise ValueError(f"{type(bn).__name__} has no running statistics (track_running_stats=False): nothing to fold")
    scale = torch.rsqrt(bn.running_var + bn.eps)
    if bn.weight is not None:
        scale = scale * bn.weight
    bias = -bn.running_mean if conv.bias is None else conv.bias - bn.running_mean
    bias = bias * scale
    if bn.bias is not None:
        bias = bias + bn.bias
    weight = conv.weight * scale.reshape(-1, *([1] * (conv.weight.dim() - 1)))
    return weight, bias


def conv_bn_eval_forward(conv: Any, bn: _BatchNorm, x: torch.Tensor) -> torch.Tensor:
    """``bn(conv(x))`` for a BatchNorm in eval mode, computed as one convolution.

    >>> conv, bn = nn.Conv2d(2, 3, 3), nn.BatchNorm2d(3).eval()
    >>> x = torch.rand(1, 2, 5, 5)
    >>> torch.allclose(conv_bn_eval_forward(conv, bn, x), bn(conv(x)), atol=1e-6)
    True
    """
    weight, bias = folded_weight_and_bias(conv, bn)
    out: torch.Tensor = conv._conv_forward(x, weight, bias)
    return out

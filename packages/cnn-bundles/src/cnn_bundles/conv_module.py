"""``ConvModule``: a convolution, a normalisation and an activation, in any order."""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.instancenorm import _InstanceNorm

from cnn_init import BaseModule, constant_init, kaiming_init
from cnn_layers import (
    build_activation_layer,
    build_conv_layer,
    build_norm_layer,
    build_padding_layer,
    check_positive_int,
)
from cnn_layers.registry import PLUGIN_LAYERS

from .bn_folding import conv_bn_eval_forward, supports_folding

ORDER_LAYERS = frozenset({"conv", "norm", "act"})
CONV_PADDING_MODES = ("zeros", "circular")


@PLUGIN_LAYERS.register_module()
class ConvModule(BaseModule):
    """A convolution followed (or preceded) by a normalisation and an activation.

    The submodules are named ``conv``, the norm's abbreviation (``bn``, ``gn``,
    ``in``, ``ln``) and ``activate``, the names of OpenMMLab checkpoints.

    Args:
        in_channels: channels of the input.
        out_channels: channels the convolution produces.
        kernel_size: size of the convolving kernel.
        stride: stride of the convolution.
        padding: zero-padding added to both sides of the input, or the
            padding the padding layer adds for ``padding_mode`` reflect and replicate.
        dilation: spacing between kernel elements.
        groups: blocked connections from input to output channels.
        bias: ``'auto'`` gives the convolution a bias only when there is no norm.
        conv_cfg: config of the convolution; ``None`` means ``dict(type='Conv2d')``.
        norm_cfg: config of the normalisation; ``None`` means none.
        act_cfg: config of the activation; ``None`` means none.
        inplace: run the activation in place, when its type supports it.
        with_spectral_norm: wrap the convolution in spectral normalisation.
        padding_mode: ``'zeros'`` or ``'circular'`` pad inside the convolution;
            ``'reflect'``, ``'replicate'`` (or any registered padding type) pad
            with a separate padding layer.
        order: a permutation of ``'conv'``, ``'norm'`` and ``'act'``. A norm
            that comes before the conv normalises ``in_channels``.
        efficient_conv_bn_eval: when the norm is a BatchNorm that uses its
            running statistics (eval mode) and directly follows the conv, fold
            it into the convolution's weights on the fly, saving one pass over
            the feature map. Outputs are the same and gradients still reach
            the conv and the BatchNorm's affine parameters. It has no effect in
            any other case (training mode, another norm, another order).
        init_cfg: initialisation config; by default the conv gets Kaiming
            initialisation (``fan_out``, ``leaky_relu`` gain when the activation
            is LeakyReLU) and the norm weight 1 and bias 0.

    >>> conv = ConvModule(3, 8, 3, padding=1, norm_cfg=dict(type='BN'))
    >>> [name for name, _ in conv.named_children()], conv.conv.bias
    (['conv', 'bn', 'activate'], None)
    >>> conv(torch.rand(2, 3, 6, 6)).shape
    torch.Size([2, 8, 6, 6])
    """

    _abbr_ = "conv_block"

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        kernel_size: int | tuple[int, ...],
        stride: int | tuple[int, ...] = 1,
        padding: int | tuple[int, ...] | str = 0,
        dilation: int | tuple[int, ...] = 1,
        groups: int = 1,
        bias: bool | str = "auto",
        conv_cfg: Mapping[str, Any] | None = None,
        norm_cfg: Mapping[str, Any] | None = None,
        act_cfg: Mapping[str, Any] | None = {"type": "ReLU"},
        inplace: bool = True,
        with_spectral_norm: bool = False,
        padding_mode: str = "zeros",
        order: Sequence[str] = ("conv", "norm", "act"),
        efficient_conv_bn_eval: bool = False,
        init_cfg: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        check_positive_int("ConvModule", "in_channels", in_channels)
        check_positive_int("ConvModule", "out_channels", out_channels)
        for name, cfg in (("conv_cfg", conv_cfg), ("norm_cfg", norm_cfg), ("act_cfg", act_cfg)):
            if cfg is not None and not isinstance(cfg, Mapping):
                raise TypeError(f"ConvModule: {name} must be a dict or None, got {type(cfg).__name__}: {cfg!r}")
        if not (bias == "auto" or isinstance(bias, bool)):
            raise ValueError(f"ConvModule: bias must be 'auto', True or False, got {bias!r}")
        if not isinstance(padding_mode, str):
            raise TypeError(
                f"ConvModule: padding_mode must be a str, got {type(padding_mode).__name__}: {padding_mode!r}"
            )
        for name, flag in (
            ("inplace", inplace),
            ("with_spectral_norm", with_spectral_norm),
            ("efficient_conv_bn_eval", efficient_conv_bn_eval),
        ):
            if not isinstance(flag, bool):
                raise TypeError(f"ConvModule: {name} must be a bool, got {type(flag).__name__}: {flag!r}")
        self.order = check_order(order)
        self.conv_cfg = None if conv_cfg is None else dict(conv_cfg)
        self.norm_cfg = None if norm_cfg is None else dict(norm_cfg)
        self.act_cfg = None if act_cfg is None else dict(act_cfg)
        self.inplace = inplace
        self.with_spectral_norm = with_spectral_norm
        self.padding_mode = padding_mode
        self.with_norm = norm_cfg is not None
        self.with_activation = act_cfg is not None
        self.with_bias = (not self.with_norm) if bias == "auto" else bool(bias)
        self.with_explicit_padding = padding_mode not in CONV_PADDING_MODES

        if self.with_explicit_padding:
            self.padding_layer = build_padding_layer({"type": padding_mode}, padding)
        self.conv = build_conv_layer(
            conv_cfg,
            in_channels,
            out_channels,
            kernel_size,
            stride=stride,
            padding=0 if self.with_explicit_padding else padding,
            dilation=dilation,
            groups=groups,
            bias=self.with_bias,
            # Only a non-default mode is passed, so conv types without the argument work as before.
            **({"padding_mode": padding_mode} if padding_mode == "circular" else {}),
        )
        # The conv's geometry, exported for the code that inspects blocks.
        self.in_channels = self.conv.in_channels
        self.out_channels = self.conv.out_channels
        self.kernel_size = self.conv.kernel_size
        self.stride = self.conv.stride
        self.padding = padding
        self.dilation = self.conv.dilation
        self.transposed = self.conv.transposed
        self.output_padding = self.conv.output_padding
        self.groups = self.conv.groups

        self.norm_name: str | None = None
        if self.norm_cfg is not None:
            conv_first = self.order.index("norm") > self.order.index("conv")
            self.norm_name, norm = build_norm_layer(self.norm_cfg, out_channels if conv_first else in_channels)
            self.add_module(self.norm_name, norm)
            if self.with_bias and conv_first and isinstance(norm, (_BatchNorm, _InstanceNorm)):
                warnings.warn(
                    f"ConvModule: a conv bias before {type(norm).__name__} is cancelled by the norm; "
                    "pass bias='auto' or bias=False",
                    UserWarning,
                    stacklevel=2,
                )
        if self.act_cfg is not None:
            act_cfg_ = dict(self.act_cfg)
            act_cfg_.setdefault("inplace", inplace)
            self.activate = build_activation_layer(act_cfg_)

        self.default_init()
        if with_spectral_norm:
            # The classic hook keeps mmcv's keys: conv.weight_orig, conv.weight_u, conv.weight_v.
            self.conv = nn.utils.spectral_norm(self.conv)
        self.efficient_conv_bn_eval = efficient_conv_bn_eval

    @property
    def norm(self) -> nn.Module | None:
        """The normalisation layer, whatever its name, or ``None``."""
        return getattr(self, self.norm_name) if self.norm_name else None

    @property
    def efficient_conv_bn_eval(self) -> bool:
        """Whether the BatchNorm is folded into the conv on the fly in eval mode."""
        return self._efficient_conv_bn_eval

    @efficient_conv_bn_eval.setter
    def efficient_conv_bn_eval(self, enabled: bool) -> None:
        if not isinstance(enabled, bool):
            raise TypeError(f"ConvModule: efficient_conv_bn_eval must be a bool, got {enabled!r}")
        # Decided once here, so forward holds no checks a compiler must trace.
        self._efficient_conv_bn_eval = (
            enabled
            and self.order.index("norm") == self.order.index("conv") + 1
            and supports_folding(self.conv, self.norm)
        )

    def default_init(self) -> None:
        """Kaiming for the conv, 1 and 0 for the norm.

        A conv that brings its own ``init_weights`` keeps it; a spectral-norm
        conv keeps the initialisation it got before it was wrapped.
        """
        if not hasattr(self.conv, "init_weights") and not hasattr(self.conv, "weight_orig"):
            activation = getattr(self, "activate", None)
            if isinstance(activation, nn.LeakyReLU):
                kaiming_init(self.conv, a=activation.negative_slope, nonlinearity="leaky_relu")
            else:
                kaiming_init(self.conv, nonlinearity="relu")
        if self.norm is not None:
            constant_init(self.norm, 1, bias=0)

    def forward(self, x: torch.Tensor, activate: bool = True, norm: bool = True) -> torch.Tensor:
        """Run the layers in ``order``; ``activate=False`` or ``norm=False`` skips that layer."""
        fold_next_norm = False
        for layer in self.order:
            if layer == "conv":
                if self.with_explicit_padding:
                    x = self.padding_layer(x)
                fold_next_norm = (
                    norm
                    and self._efficient_conv_bn_eval
                    and isinstance(self.norm, _BatchNorm)  # fuse_conv_bn may have replaced it
                    and not self.norm.training
                )
                x = (
                    conv_bn_eval_forward(self.conv, getattr(self, str(self.norm_name)), x)
                    if fold_next_norm
                    else self.conv(x)
                )
            elif layer == "norm":
                if norm and self.norm_name is not None and not fold_next_norm:
                    x = getattr(self, self.norm_name)(x)
            elif activate and self.with_activation:
                x = self.activate(x)
        return x


def check_order(order: Any) -> tuple[str, str, str]:
    """``order`` as a tuple, or a ValueError if it is not a permutation of conv, norm and act.

    >>> check_order(['norm', 'conv', 'act'])
    ('norm', 'conv', 'act')
    """
    if isinstance(order, str) or not isinstance(order, Sequence) or len(order) != 3 or set(order) != ORDER_LAYERS:
        raise ValueError(
            f"ConvModule: order must be a permutation of ('conv', 'norm', 'act'), such as "
            f"('norm', 'conv', 'act'); got {order!r}"
        )
    return (order[0], order[1], order[2])

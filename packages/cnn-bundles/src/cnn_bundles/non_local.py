"""Non-local blocks (https://arxiv.org/abs/1711.07971): every position attends to every other."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
from torch import nn

from cnn_init import BaseModule, constant_init, normal_init
from cnn_layers import check_positive_int
from cnn_layers.registry import PLUGIN_LAYERS

from .conv_module import ConvModule

MODES = ("gaussian", "embedded_gaussian", "dot_product", "concatenation")


class NonLocalNd(BaseModule):
    """A non-local block over 1-, 2- or 3-D feature maps: ``x + conv_out(attention(x) @ g(x))``.

    The pairwise weight between positions ``i`` and ``j`` depends on ``mode``:

    * ``'gaussian'``: ``softmax_j(x_i . x_j)``;
    * ``'embedded_gaussian'``: ``softmax_j(theta(x_i) . phi(x_j))``, divided by
      ``sqrt(inter_channels)`` before the softmax when ``use_scale``;
    * ``'dot_product'``: ``theta(x_i) . phi(x_j) / N`` over the ``N`` positions ``j``;
    * ``'concatenation'``: ``relu(w . [theta(x_i), phi(x_j)]) / N``.

    ``theta``, ``phi`` and ``g`` are 1x1 convs to ``inter_channels =
    max(in_channels // reduction, 1)``; ``conv_out`` maps back to
    ``in_channels`` (with ``norm_cfg``). ``conv_out`` (or its norm) starts at
    zero, so a new block is the identity.

    Args:
        in_channels: channels of the input and output.
        reduction: channel reduction of the embeddings.
        use_scale: scale the embedded-gaussian logits by ``1 / sqrt(inter_channels)``.
        conv_cfg: config of the 1x1 convs; selects the dimensionality.
        norm_cfg: config of the norm after ``conv_out``.
        mode: one of ``'gaussian'``, ``'embedded_gaussian'``, ``'dot_product'``, ``'concatenation'``.
        sub_sample: max-pool ``phi`` and ``g`` by 2 in space (``pool_kernel``; a video keeps its
            frames), so fewer positions are attended to.
        std: standard deviation of the normal initialisation of the embeddings.
        zeros_init: start ``conv_out`` (or its norm) at zero; else normal with ``std``.
        init_cfg: initialisation config for ``init_weights``; the ConvModules
            inside then re-apply their own default, as ``BaseModule`` children do.
    """

    _abbr_ = "nonlocal_block"
    pool_cls: type[nn.Module] = nn.MaxPool2d
    #: The sub-sampling window: space only, never time (a video keeps its frames), as in mmcv.
    pool_kernel: int | tuple[int, ...] = (2, 2)
    default_conv_type = "Conv2d"

    def __init__(
        self,
        in_channels: int,
        reduction: int = 2,
        use_scale: bool = True,
        conv_cfg: Mapping[str, Any] | None = None,
        norm_cfg: Mapping[str, Any] | None = None,
        mode: str = "embedded_gaussian",
        sub_sample: bool = False,
        std: float = 0.01,
        zeros_init: bool = True,
        init_cfg: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        check_positive_int(type(self).__name__, "in_channels", in_channels)
        if mode not in MODES:
            raise ValueError(f"{type(self).__name__}: mode must be one of {MODES}, got {mode!r}")
        if isinstance(reduction, bool) or not isinstance(reduction, int) or reduction < 1:
            raise ValueError(f"{type(self).__name__}: reduction must be a positive int, got {reduction!r}")
        conv_cfg = {"type": self.default_conv_type} if conv_cfg is None else conv_cfg
        self.in_channels = in_channels
        self.reduction = reduction
        self.use_scale = use_scale
        self.mode = mode
        self.sub_sample = sub_sample
        self.std = std
        self.zeros_init = zeros_init
        self.inter_channels = max(in_channels // reduction, 1)

        def pointwise(in_ch: int, out_ch: int, **kwargs: Any) -> ConvModule:
            return ConvModule(in_ch, out_ch, 1, conv_cfg=conv_cfg, **{"act_cfg": None, **kwargs})

        self.g: nn.Module = pointwise(in_channels, self.inter_channels)
        self.conv_out = pointwise(self.inter_channels, in_channels, norm_cfg=norm_cfg)
        if mode != "gaussian":
            self.theta = pointwise(in_channels, self.inter_channels)
            self.phi: nn.Module = pointwise(in_channels, self.inter_channels)
        if mode == "concatenation":
            self.concat_project = ConvModule(
                2 * self.inter_channels, 1, 1, bias=False, conv_cfg={"type": "Conv2d"}, act_cfg={"type": "ReLU"}
            )
        if sub_sample:
            pool = self.pool_cls(kernel_size=self.pool_kernel)
            self.g = nn.Sequential(self.g, pool)
            self.phi = nn.Sequential(self.phi, pool) if mode != "gaussian" else pool
        self.default_init()

    def default_init(self) -> None:
        """Normal embeddings; ``conv_out`` (its norm, if any) at zero or normal."""
        for name in ("g", "theta", "phi"):
            module = getattr(self, name, None)
            if isinstance(module, nn.Sequential):
                module = module[0]
            if isinstance(module, ConvModule):
                normal_init(module.conv, std=self.std)
        last = self.conv_out.norm if self.conv_out.norm is not None else self.conv_out.conv
        if self.zeros_init:
            constant_init(last, 0)
        else:
            normal_init(last, std=self.std)

    def pairwise_weight(self, theta_x: torch.Tensor, phi_x: torch.Tensor) -> torch.Tensor:
        """Attention ``[N, queries, keys]`` from ``theta_x`` ``[N, queries, C]`` and ``phi_x`` ``[N, C, keys]``."""
        if self.mode == "concatenation":
            queries, keys = theta_x.shape[1], phi_x.shape[2]
            pairs = torch.cat(
                [
                    theta_x.transpose(1, 2)[:, :, :, None].expand(-1, -1, queries, keys),
                    phi_x[:, :, None, :].expand(-1, -1, queries, keys),
                ],
                dim=1,
            )
            relations: torch.Tensor = self.concat_project(pairs)
            return relations.squeeze(1) / keys
        logits = torch.matmul(theta_x, phi_x)
        if self.mode == "dot_product":
            return logits / logits.shape[-1]
        if self.mode == "embedded_gaussian" and self.use_scale:
            logits = logits / theta_x.shape[-1] ** 0.5
        return logits.softmax(dim=-1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n = x.shape[0]
        g_x = self.g(x).reshape(n, self.inter_channels, -1).transpose(1, 2)  # [N, keys, C']
        if self.mode == "gaussian":
            theta_x = x.reshape(n, self.in_channels, -1).transpose(1, 2)
            phi_x = (self.phi(x) if self.sub_sample else x).reshape(n, self.in_channels, -1)
        else:
            theta_x = self.theta(x).reshape(n, self.inter_channels, -1).transpose(1, 2)
            phi_x = self.phi(x).reshape(n, self.inter_channels, -1)
        y = torch.matmul(self.pairwise_weight(theta_x, phi_x), g_x)  # [N, queries, C']
        y = y.transpose(1, 2).unflatten(2, x.shape[2:])  # [N, C', *spatial]
        out: torch.Tensor = x + self.conv_out(y)
        return out


@PLUGIN_LAYERS.register_module()
class NonLocal1d(NonLocalNd):
    """`NonLocalNd` over sequences ``[N, C, L]``.

    >>> NonLocal1d(8)(torch.rand(2, 8, 10)).shape
    torch.Size([2, 8, 10])
    """

    pool_cls = nn.MaxPool1d
    pool_kernel = 2
    default_conv_type = "Conv1d"


@PLUGIN_LAYERS.register_module()
class NonLocal2d(NonLocalNd):
    """`NonLocalNd` over images ``[N, C, H, W]``.

    >>> block = NonLocal2d(16, mode='dot_product', sub_sample=True)
    >>> x = torch.rand(2, 16, 6, 6)
    >>> block(x).shape, torch.equal(block(x), x)  # conv_out starts at zero
    (torch.Size([2, 16, 6, 6]), True)
    """

    pool_cls = nn.MaxPool2d
    pool_kernel = (2, 2)
    default_conv_type = "Conv2d"


@PLUGIN_LAYERS.register_module()
class NonLocal3d(NonLocalNd):
    """`NonLocalNd` over videos ``[N, C, T, H, W]``.

    >>> NonLocal3d(8, mode='gaussian')(torch.rand(1, 8, 2, 3, 3)).shape
    torch.Size([1, 8, 2, 3, 3])
    """

    pool_cls = nn.MaxPool3d
    pool_kernel = (1, 2, 2)
    default_conv_type = "Conv3d"

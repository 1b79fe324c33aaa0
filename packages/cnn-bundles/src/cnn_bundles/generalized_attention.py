"""``GeneralizedAttention``: the spatial attention module of https://arxiv.org/abs/1904.05873."""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from cnn_init import BaseModule, kaiming_init
from cnn_layers import check_positive_int
from cnn_layers.registry import PLUGIN_LAYERS


@PLUGIN_LAYERS.register_module()
class GeneralizedAttention(BaseModule):
    """Multi-head spatial attention whose logits sum up to four terms.

    ``attention_type`` is a string of four flags for the terms of the paper,
    between a query at position ``p`` and a key at position ``p'``:

    1. appearance-appearance: ``q(p) . k(p')``;
    2. appearance-position: ``q(p) . r(p - p')``;
    3. bias-appearance: ``u . k(p')`` (a learned saliency of each key);
    4. bias-position: ``v . r(p - p')`` (a learned preference for offsets).

    ``r`` embeds the row and column offsets with sines and cosines, each
    through its own linear layer. The output is ``x + gamma * proj(attention @ value)``
    with ``gamma`` starting at zero, so a new block is the identity.

    Args:
        in_channels: channels of the input and output.
        spatial_range: when ``>= 0``, a query only sees keys within about this
            many rows and columns (at the key stride); ``-1`` sees all.
        num_heads: attention heads; each has ``in_channels // num_heads`` channels.
        position_embedding_dim: size of the offset embedding (a multiple of 4);
            ``-1`` means ``in_channels``.
        position_magnitude: offsets are multiplied by it before embedding.
        kv_stride: keys and values come from the input subsampled by this stride.
        q_stride: queries come from the input subsampled by this stride; the
            output is upsampled back (bilinear).
        attention_type: four ``'0'``/``'1'`` flags, e.g. ``'1111'`` or ``'0010'``.
        init_cfg: initialisation config applied by ``init_weights`` instead of the default.

    >>> block = GeneralizedAttention(16, num_heads=4, kv_stride=2, attention_type='1100')
    >>> block(torch.rand(2, 16, 6, 6)).shape
    torch.Size([2, 16, 6, 6])
    """

    _abbr_ = "gen_attention_block"

    def __init__(
        self,
        in_channels: int,
        spatial_range: int = -1,
        num_heads: int = 9,
        position_embedding_dim: int = -1,
        position_magnitude: float = 1,
        kv_stride: int = 2,
        q_stride: int = 1,
        attention_type: str = "1111",
        init_cfg: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        check_positive_int("GeneralizedAttention", "in_channels", in_channels)
        if not isinstance(attention_type, str) or len(attention_type) != 4 or set(attention_type) - {"0", "1"}:
            raise ValueError(
                "GeneralizedAttention: attention_type must be four '0'/'1' flags such as '1111', "
                f"got {attention_type!r}"
            )
        if isinstance(num_heads, bool) or not isinstance(num_heads, int) or not 1 <= num_heads <= in_channels:
            raise ValueError(
                f"GeneralizedAttention: num_heads must be an int in [1, in_channels={in_channels}], got {num_heads!r}"
            )
        for name, stride in (("kv_stride", kv_stride), ("q_stride", q_stride)):
            if isinstance(stride, bool) or not isinstance(stride, int) or stride < 1:
                raise ValueError(f"GeneralizedAttention: {name} must be a positive int, got {stride!r}")
        flags = tuple(flag == "1" for flag in attention_type)
        self.appr_appr, self.appr_pos, self.bias_appr, self.bias_pos = flags
        self.attention_type = attention_type
        self.in_channels = in_channels
        self.num_heads = num_heads
        self.spatial_range = spatial_range
        self.position_magnitude = position_magnitude
        self.kv_stride = kv_stride
        self.q_stride = q_stride
        self.position_embedding_dim = position_embedding_dim if position_embedding_dim > 0 else in_channels
        if (self.appr_pos or self.bias_pos) and self.position_embedding_dim % 4:
            raise ValueError(
                "GeneralizedAttention: position_embedding_dim must be a multiple of 4 (sines and cosines of rows "
                f"and columns), got {self.position_embedding_dim!r}"
            )
        self.qk_embed_dim = in_channels // num_heads
        self.v_dim = in_channels // num_heads
        qk_channels = self.qk_embed_dim * num_heads

        if self.appr_appr or self.appr_pos:
            self.query_conv = nn.Conv2d(in_channels, qk_channels, 1, bias=False)
        if self.appr_appr or self.bias_appr:
            self.key_conv = nn.Conv2d(in_channels, qk_channels, 1, bias=False)
        self.value_conv = nn.Conv2d(in_channels, self.v_dim * num_heads, 1, bias=False)
        if self.appr_pos or self.bias_pos:
            self.appr_geom_fc_x = nn.Linear(self.position_embedding_dim // 2, qk_channels, bias=False)
            self.appr_geom_fc_y = nn.Linear(self.position_embedding_dim // 2, qk_channels, bias=False)
        if self.bias_appr:
            self.appr_bias = nn.Parameter(torch.empty(qk_channels))
        if self.bias_pos:
            self.geom_bias = nn.Parameter(torch.empty(qk_channels))
        self.proj_conv = nn.Conv2d(self.v_dim * num_heads, in_channels, 1, bias=True)
        self.gamma = nn.Parameter(torch.zeros(1))
        self.q_downsample = nn.AvgPool2d(kernel_size=1, stride=q_stride) if q_stride > 1 else None
        self.kv_downsample = nn.AvgPool2d(kernel_size=1, stride=kv_stride) if kv_stride > 1 else None
        # mmcv stored a fixed-size mask as a parameter; the mask is computed per input here.
        # the private spelling: the public register_load_state_dict_pre_hook arrived in torch 2.5
        self._register_load_state_dict_pre_hook(drop_local_constraint_map, with_module=True)
        self.default_init()

    def default_init(self) -> None:
        """Kaiming-uniform (fan_in, gain 1) convs, uniform biases, ``gamma`` at zero."""
        for name in ("query_conv", "key_conv", "proj_conv"):
            if hasattr(self, name):
                kaiming_init(
                    getattr(self, name), a=1, mode="fan_in", nonlinearity="leaky_relu", bias=0, distribution="uniform"
                )
        bound = 1.0 / math.sqrt(self.qk_embed_dim * 2)
        for name in ("appr_bias", "geom_bias"):
            if hasattr(self, name):
                nn.init.uniform_(getattr(self, name), -bound, bound)
        nn.init.zeros_(self.gamma)

    def offset_embedding(self, num_q: int, num_kv: int, like: torch.Tensor) -> torch.Tensor:
        """Sine/cosine embedding ``[num_q, num_kv, position_embedding_dim // 2]`` of query-key offsets."""
        q_pos = torch.arange(num_q, device=like.device, dtype=like.dtype) * self.q_stride
        kv_pos = torch.arange(num_kv, device=like.device, dtype=like.dtype) * self.kv_stride
        offsets = (q_pos[:, None] - kv_pos[None, :]) * self.position_magnitude
        quarter = torch.arange(self.position_embedding_dim // 4, device=like.device, dtype=like.dtype)
        wavelengths = 1000.0 ** (quarter * (4.0 / self.position_embedding_dim))
        angles = offsets[:, :, None] / wavelengths
        return torch.cat([angles.sin(), angles.cos()], dim=-1)

    def offset_features(self, fc: nn.Linear, num_q: int, num_kv: int, like: torch.Tensor) -> torch.Tensor:
        """Per-head offset features ``r`` along one axis: ``[heads, dim, num_q, num_kv]``."""
        features: torch.Tensor = fc(self.offset_embedding(num_q, num_kv, like)) / math.sqrt(2)
        return features.reshape(num_q, num_kv, self.num_heads, self.qk_embed_dim).permute(2, 3, 0, 1)

    def local_mask(self, h: int, w: int, h_kv: int, w_kv: int, device: torch.device) -> torch.Tensor:
        """``True`` where a query ``(y, x)`` may not see a key ``(Y, X)``: ``[h, w, h_kv, w_kv]``."""

        def allowed(num_q: int, num_kv: int) -> torch.Tensor:
            q = torch.arange(num_q, device=device)[:, None]
            kv = torch.arange(num_kv, device=device)[None, :]
            r, s = self.spatial_range, self.kv_stride
            return (kv >= torch.div(q - r, s, rounding_mode="floor")) & (kv <= (q + r + 1) // s)

        return ~(allowed(h, h_kv)[:, None, :, None] & allowed(w, w_kv)[None, :, None, :])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x_q = x if self.q_downsample is None else self.q_downsample(x)
        x_kv = x if self.kv_downsample is None else self.kv_downsample(x)
        # Indexed, not unpacked, so torch.fx can trace the block (fuse_conv_bn does).
        n, h, w = x_q.shape[0], x_q.shape[2], x_q.shape[3]
        h_kv, w_kv = x_kv.shape[2], x_kv.shape[3]
        heads, dim = self.num_heads, self.qk_embed_dim

        # Logits [n, heads, y, x, Y, X], each term broadcast over the axes it ignores.
        energy = x.new_zeros(1, 1, 1, 1, 1, 1)
        if self.appr_appr or self.appr_pos:
            query = self.query_conv(x_q).reshape(n, heads, dim, h, w)
        if self.appr_appr or self.bias_appr:
            key = self.key_conv(x_kv).reshape(n, heads, dim, h_kv, w_kv)
        if self.appr_appr:
            energy = energy + torch.einsum("nadyx,nadYX->nayxYX", query, key)
        if self.bias_appr:
            saliency = torch.einsum("ad,nadYX->naYX", self.appr_bias.reshape(heads, dim), key)
            energy = energy + saliency[:, :, None, None]
        if self.appr_pos or self.bias_pos:
            r_x = self.offset_features(self.appr_geom_fc_x, w, w_kv, x)  # [heads, dim, x, X]
            r_y = self.offset_features(self.appr_geom_fc_y, h, h_kv, x)  # [heads, dim, y, Y]
            if self.appr_pos:
                energy = energy + torch.einsum("nadyx,adxX->nayxX", query, r_x)[:, :, :, :, None, :]
                energy = energy + torch.einsum("nadyx,adyY->nayxY", query, r_y)[:, :, :, :, :, None]
            if self.bias_pos:
                geom_bias = self.geom_bias.reshape(heads, dim)
                energy = energy + torch.einsum("ad,adxX->axX", geom_bias, r_x)[None, :, None, :, None, :]
                energy = energy + torch.einsum("ad,adyY->ayY", geom_bias, r_y)[None, :, :, None, :, None]
        energy = energy.expand(n, heads, h, w, h_kv, w_kv)
        if self.spatial_range >= 0:
            energy = energy.masked_fill(self.local_mask(h, w, h_kv, w_kv, x.device), float("-inf"))
        attention = energy.reshape(n, heads, h * w, h_kv * w_kv).softmax(dim=-1)

        value = self.value_conv(x_kv).reshape(n, heads, self.v_dim, h_kv * w_kv)
        out = torch.einsum("naqk,nadk->nadq", attention, value).reshape(n, heads * self.v_dim, h, w)
        out = self.proj_conv(out)
        if self.q_downsample is not None:
            out = F.interpolate(out, size=x.shape[2:], mode="bilinear", align_corners=False)
        result: torch.Tensor = self.gamma * out + x
        return result


def drop_local_constraint_map(module: nn.Module, state_dict: dict[str, Any], prefix: str, *args: Any) -> None:
    """Accept mmcv checkpoints, which carry the fixed-size mask as ``local_constraint_map``."""
    state_dict.pop(prefix + "local_constraint_map", None)

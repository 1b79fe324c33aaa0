"""``StackedLinearClsHead``: several fully connected layers (an MLP) before the class scores."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import Any

import torch
from torch import nn

from cnn_layers import build_activation_layer, build_norm_layer

from ..registry import HEADS
from .class_count import check_class_count, check_topk_fits
from .cls_head import ClsHead

DEFAULT_ACT: Mapping[str, Any] = MappingProxyType({"type": "ReLU"})


class LinearBlock(nn.Module):
    """``fc -> norm -> act -> dropout``, each but ``fc`` optional.

    >>> LinearBlock(4, 2, norm_cfg=dict(type='BN1d'), act_cfg=dict(type='ReLU'))(torch.ones(3, 4)).shape
    torch.Size([3, 2])
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        dropout_rate: float = 0.0,
        norm_cfg: Mapping[str, Any] | None = None,
        act_cfg: Mapping[str, Any] | None = None,
    ) -> None:
        super().__init__()
        self.fc = nn.Linear(in_channels, out_channels)
        self.norm = None if norm_cfg is None else build_norm_layer(norm_cfg, out_channels)[1]
        self.act = None if act_cfg is None else build_activation_layer(act_cfg)
        self.dropout = nn.Dropout(p=dropout_rate) if dropout_rate > 0 else None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.fc(x)
        for layer in (self.norm, self.act, self.dropout):
            if layer is not None:
                x = layer(x)
        return x


@HEADS.register_module()
class StackedLinearClsHead(ClsHead):
    """Hidden fully connected layers of widths ``mid_channels``, then the class scores.

    Args:
        num_classes: number of classes, ``> 0``.
        in_channels: width of the incoming feature.
        mid_channels: widths of the hidden layers, at least one.
        dropout_rate: dropout after every hidden layer.
        norm_cfg: normalisation of the hidden layers, e.g. ``dict(type='BN1d')``.
        act_cfg: activation of the hidden layers, ReLU by default; ``None`` for none (as mmpretrain).
        loss: config of the loss.
        topk: the k of the reported top-k accuracies.
        **kwargs: ``cal_acc`` and ``init_cfg`` of `ClsHead`.

    >>> head = StackedLinearClsHead(num_classes=3, in_channels=8, mid_channels=[16, 4])
    >>> head(torch.ones(2, 8)).shape
    torch.Size([2, 3])
    >>> [name for name, _ in head.named_children()]
    ['compute_loss', 'layers']
    >>> head.pre_logits(torch.ones(2, 8)).shape  # the last hidden layer
    torch.Size([2, 4])
    """

    def __init__(
        self,
        num_classes: int,
        in_channels: int,
        mid_channels: Sequence[int],
        dropout_rate: float = 0.0,
        norm_cfg: Mapping[str, Any] | None = None,
        act_cfg: Mapping[str, Any] | None = DEFAULT_ACT,
        loss: Mapping[str, Any] | None = None,
        topk: int | Sequence[int] = (1,),
        **kwargs: Any,
    ) -> None:
        super().__init__(loss=loss, topk=topk, **kwargs)
        self.num_classes = check_class_count(num_classes, "num_classes")
        self.in_channels = check_class_count(in_channels, "in_channels")
        check_topk_fits(self.topk, self.num_classes)
        if isinstance(mid_channels, (str, int)) or not isinstance(mid_channels, Sequence) or not mid_channels:
            raise TypeError(f"mid_channels must be a non-empty sequence of ints, got {mid_channels!r}")
        if not isinstance(dropout_rate, (int, float)) or not 0.0 <= dropout_rate < 1.0:
            raise ValueError(f"dropout_rate must be a number in [0, 1), got {dropout_rate!r}")
        widths = [self.in_channels, *(check_class_count(c, "mid_channels") for c in mid_channels)]
        self.mid_channels = tuple(widths[1:])
        self.layers = nn.ModuleList(
            LinearBlock(w_in, w_out, dropout_rate, norm_cfg, act_cfg) for w_in, w_out in itertools.pairwise(widths)
        )
        self.layers.append(LinearBlock(widths[-1], self.num_classes))

    def pre_logits(self, feats: torch.Tensor | Sequence[torch.Tensor]) -> torch.Tensor:
        """The last hidden layer's output: every block but the final classifier."""
        x = super().pre_logits(feats)
        for layer in self.layers[:-1]:
            x = layer(x)
        return x

    def forward(self, feats: torch.Tensor | Sequence[torch.Tensor]) -> torch.Tensor:
        return self.layers[-1](self.pre_logits(feats))

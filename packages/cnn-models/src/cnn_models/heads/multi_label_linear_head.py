"""``MultiLabelLinearClsHead``: `MultiLabelClsHead` with one fully connected layer."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from cnn_init import normal_init

from ..registry import HEADS
from .class_count import check_class_count
from .multi_label_head import MultiLabelClsHead


@HEADS.register_module()
class MultiLabelLinearClsHead(MultiLabelClsHead):
    """A linear head for samples that carry several labels at once.

    Args:
        num_classes: number of classes, ``> 0``.
        in_channels: width of the incoming feature.
        loss: config of the loss; sigmoid cross entropy by default.
        thr: score threshold of `predict` (0.5 when neither is given).
        topk: predict the ``topk`` best classes instead of thresholding.
        init_cfg: initialisation config; by default ``fc`` is drawn from N(0, 0.01).

    >>> head = MultiLabelLinearClsHead(num_classes=4, in_channels=8, thr=0.5)
    >>> out = head.predict(torch.ones(2, 8))
    >>> out['labels'].dtype, out['scores'].shape
    (torch.bool, torch.Size([2, 4]))
    """

    def __init__(
        self,
        num_classes: int,
        in_channels: int,
        loss: Mapping[str, Any] | None = None,
        thr: float | None = None,
        topk: int | None = None,
        init_cfg: dict[str, Any] | list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(loss=loss, thr=thr, topk=topk, init_cfg=init_cfg)
        self.num_classes = check_class_count(num_classes, "num_classes")
        self.in_channels = check_class_count(in_channels, "in_channels")
        if self.pred_topk is not None and self.pred_topk > self.num_classes:
            raise ValueError(f"topk={topk} is more than num_classes={self.num_classes}")
        self.fc = nn.Linear(self.in_channels, self.num_classes)
        self.default_init()  # usable before init_weights()

    def default_init(self) -> None:
        """``fc`` weights from N(0, 0.01) and zero bias, as in mmcls; `init_weights` runs this unless an
        ``init_cfg`` is given."""
        normal_init(self.fc, mean=0, std=0.01, bias=0)

    def forward(self, feats: torch.Tensor | Sequence[torch.Tensor]) -> torch.Tensor:
        return self.fc(self.pre_logits(feats))

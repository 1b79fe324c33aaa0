"""``MultiLabelLinearClsHead``: independent yes/no scores per class."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from cnn_init import normal_init

from ..registry import HEADS
from .class_count import check_class_count
from .cls_head import ClsHead

DEFAULT_MULTI_LABEL_LOSS: dict[str, Any] = {"type": "CrossEntropyLoss", "use_sigmoid": True, "loss_weight": 1.0}


@HEADS.register_module()
class MultiLabelLinearClsHead(ClsHead):
    """A linear head for samples that carry several labels at once.

    Targets are multi-hot ``(N, C)`` tensors (or class indices ``(N,)``).
    A class is predicted when its sigmoid score reaches ``thr``, or, with
    ``topk``, when it is among the ``topk`` best.

    Args:
        num_classes: number of classes, ``> 0``.
        in_channels: width of the incoming feature.
        loss: config of the loss; sigmoid cross entropy by default.
        thr: score threshold of :meth:`predict` (0.5 when neither is given).
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
        super().__init__(loss=DEFAULT_MULTI_LABEL_LOSS if loss is None else loss, cal_acc=False, init_cfg=init_cfg)
        self.num_classes = check_class_count(num_classes, "num_classes")
        self.in_channels = check_class_count(in_channels, "in_channels")
        if thr is not None and topk is not None:
            raise ValueError(f"give thr or topk, not both (got thr={thr!r}, topk={topk!r})")
        if thr is not None and (not isinstance(thr, (int, float)) or not 0.0 <= thr <= 1.0):
            raise ValueError(f"thr must be a number in [0, 1], got {thr!r}")
        if topk is not None and check_class_count(topk, "topk") > self.num_classes:
            raise ValueError(f"topk={topk} is more than num_classes={self.num_classes}")
        self.thr = 0.5 if thr is None and topk is None else thr
        self.pred_topk = topk
        self.fc = nn.Linear(self.in_channels, self.num_classes)
        normal_init(self.fc, mean=0, std=0.01, bias=0)  # usable before init_weights()

    def init_weights(self) -> None:
        """``fc`` weights from N(0, 0.01) and zero bias, as in seed 004; an ``init_cfg`` replaces this."""
        if self.init_cfg is not None:
            super().init_weights()
        else:
            normal_init(self.fc, mean=0, std=0.01, bias=0)

    def forward(self, feats: torch.Tensor | Sequence[torch.Tensor]) -> torch.Tensor:
        return self.fc(self.pre_logits(feats))

    def predict(self, feats: torch.Tensor | Sequence[torch.Tensor]) -> dict[str, torch.Tensor]:
        """``{'scores': sigmoid scores (N, C), 'labels': boolean mask (N, C) of predicted classes}``."""
        scores = self(feats).sigmoid()
        if self.pred_topk is not None:
            labels = torch.zeros_like(scores, dtype=torch.bool)
            labels.scatter_(1, scores.topk(self.pred_topk, dim=1).indices, True)
        else:
            labels = scores >= self.thr
        return {"scores": scores, "labels": labels}

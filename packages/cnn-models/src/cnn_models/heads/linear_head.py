"""``LinearClsHead``: one fully connected layer, the head of mmcls's guide to adding a backbone."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch
from torch import nn

from cnn_init import normal_init

from ..registry import HEADS
from .class_count import check_class_count, check_topk_fits
from .cls_head import ClsHead


@HEADS.register_module()
class LinearClsHead(ClsHead):
    """Class scores from one ``nn.Linear`` over the last feature.

    Args:
        num_classes: number of classes, ``> 0``.
        in_channels: width of the feature coming from the neck.
        loss: config of the loss.
        topk: the k of the reported top-k accuracies.
        **kwargs: ``cal_acc`` and ``init_cfg`` of `ClsHead`.

    >>> head = LinearClsHead(num_classes=3, in_channels=8)
    >>> head((torch.ones(2, 8),)).shape
    torch.Size([2, 3])
    """

    def __init__(
        self,
        num_classes: int,
        in_channels: int,
        loss: Mapping[str, Any] | None = None,
        topk: int | Sequence[int] = (1,),
        **kwargs: Any,
    ) -> None:
        super().__init__(loss=loss, topk=topk, **kwargs)
        self.num_classes = check_class_count(num_classes, "num_classes")
        self.in_channels = check_class_count(in_channels, "in_channels")
        check_topk_fits(self.topk, self.num_classes)
        self.fc = nn.Linear(self.in_channels, self.num_classes)
        self.default_init()  # usable before init_weights()

    def default_init(self) -> None:
        """``fc`` weights from N(0, 0.01) and zero bias, as in mmcls; `init_weights` runs this unless an
        ``init_cfg`` is given."""
        normal_init(self.fc, mean=0, std=0.01, bias=0)

    def forward(self, feats: torch.Tensor | Sequence[torch.Tensor]) -> torch.Tensor:
        return self.fc(self.pre_logits(feats))

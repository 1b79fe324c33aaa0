"""``MultiLabelClsHead``: independent yes/no scores per class, from features that already are scores."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch

from ..registry import HEADS
from .class_count import check_class_count
from .cls_head import ClsHead

DEFAULT_MULTI_LABEL_LOSS: dict[str, Any] = {"type": "CrossEntropyLoss", "use_sigmoid": True, "loss_weight": 1.0}


@HEADS.register_module()
class MultiLabelClsHead(ClsHead):
    """The multi-label head without layers of its own, as mmcls's and mmpretrain's ``MultiLabelClsHead``.

    Targets are multi-hot ``(N, C)`` tensors, or class indices ``(N,)``. As in
    mmcls 0.x, a target of ``-1`` (a "difficult" label) counts as positive,
    and the loss is summed over classes and averaged over samples. A class is
    predicted when its sigmoid score reaches ``thr``, or, with ``topk``, when
    it is among the ``topk`` best.

    Args:
        loss: config of the loss; sigmoid cross entropy by default.
        thr: score threshold of `predict` (0.5 when neither is given).
        topk: predict the ``topk`` best classes instead of thresholding.
        init_cfg: initialisation config.

    >>> head = MultiLabelClsHead()
    >>> scores = torch.tensor([[2.0, -2.0, 0.0]])
    >>> head.predict(scores)['labels'].tolist()
    [[True, False, True]]
    >>> round(head.loss(scores, torch.tensor([[1, 0, 0]]))['loss'].item(), 4)  # summed over the 3 classes
    0.947
    """

    def __init__(
        self,
        loss: Mapping[str, Any] | None = None,
        thr: float | None = None,
        topk: int | None = None,
        init_cfg: dict[str, Any] | list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(loss=DEFAULT_MULTI_LABEL_LOSS if loss is None else loss, cal_acc=False, init_cfg=init_cfg)
        if thr is not None and topk is not None:
            raise ValueError(f"give thr or topk, not both (got thr={thr!r}, topk={topk!r})")
        if thr is not None and (isinstance(thr, bool) or not isinstance(thr, (int, float)) or not 0.0 <= thr <= 1.0):
            raise ValueError(f"thr must be a number in [0, 1], got {thr!r}")
        self.thr = 0.5 if thr is None and topk is None else thr
        self.pred_topk = None if topk is None else check_class_count(topk, "topk")

    def loss(self, cls_score: torch.Tensor, gt_label: torch.Tensor, **kwargs: Any) -> dict[str, Any]:
        """``{'loss': ...}``: the loss summed over classes and averaged over the samples."""
        if gt_label.dim() == cls_score.dim() and not gt_label.is_floating_point():
            gt_label = gt_label.abs()  # mmcls 0.x: difficult labels (-1) count as positives
        kwargs.setdefault("avg_factor", cls_score.size(0))
        return {"loss": self.compute_loss(cls_score, gt_label, **kwargs)}

    def activate(self, cls_score: torch.Tensor) -> torch.Tensor:
        return cls_score.sigmoid()

    def simple_test(
        self, feats: torch.Tensor | Sequence[torch.Tensor], sigmoid: bool = True, post_process: bool = True
    ) -> torch.Tensor | list[torch.Tensor]:
        """Sigmoid scores of ``feats`` as mmcls 0.x's ``simple_test`` (one tensor per sample with ``post_process``)."""
        return super().simple_test(feats, softmax=sigmoid, post_process=post_process)

    def predict(self, feats: torch.Tensor | Sequence[torch.Tensor]) -> dict[str, torch.Tensor]:
        """``{'scores': sigmoid scores (N, C), 'labels': boolean mask (N, C) of predicted classes}``."""
        scores = self.activate(self(feats))
        if self.pred_topk is not None:
            if self.pred_topk > scores.size(1):
                raise ValueError(f"topk={self.pred_topk} is more than the {scores.size(1)} classes scored")
            labels = torch.zeros_like(scores, dtype=torch.bool)
            labels.scatter_(1, scores.topk(self.pred_topk, dim=1).indices, True)
        else:
            labels = scores >= (0.5 if self.thr is None else self.thr)
        return {"scores": scores, "labels": labels}

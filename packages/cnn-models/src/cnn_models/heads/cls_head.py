"""``ClsHead``: the base classification head, which owns the loss and top-k accuracy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import torch

from cnn_init import BaseModule

from ..accuracy import check_topk, topk_accuracy
from ..registry import HEADS, LOSSES

DEFAULT_LOSS: dict[str, Any] = {"type": "CrossEntropyLoss", "loss_weight": 1.0}


@HEADS.register_module()
class ClsHead(BaseModule):
    """A head that turns features into class scores, losses and predictions.

    Subclasses add layers in :meth:`forward`; this base class passes the
    last feature through unchanged, so it also serves a backbone that
    already ends in class scores.

    Args:
        loss: config of the loss, built from ``cnn_models.LOSSES``.
        topk: the k of the top-k accuracies reported with the loss.
        cal_acc: report the accuracies with the loss (off for mixed labels).
        init_cfg: initialisation config (see :class:`cnn_init.BaseModule`).

    >>> head = ClsHead(topk=(1,))
    >>> out = head.loss(torch.tensor([[2.0, 0.0], [0.0, 2.0]]), torch.tensor([0, 0]))
    >>> sorted(out), out['accuracy_top-1'].item()
    (['accuracy_top-1', 'loss'], 50.0)
    """

    def __init__(
        self,
        loss: Mapping[str, Any] | None = None,
        topk: int | Sequence[int] = (1,),
        cal_acc: bool = True,
        init_cfg: dict[str, Any] | list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        loss = DEFAULT_LOSS if loss is None else loss
        if not isinstance(loss, Mapping):
            raise TypeError(f"loss must be a config dict such as {DEFAULT_LOSS!r}, got {type(loss).__name__}: {loss!r}")
        self.topk = check_topk(topk)
        self.cal_acc = bool(cal_acc)
        self.compute_loss = LOSSES.build(loss)

    def pre_logits(self, feats: torch.Tensor | Sequence[torch.Tensor]) -> torch.Tensor:
        """The feature the head works on: the last one when given the tuple of stage outputs."""
        if isinstance(feats, (tuple, list)):
            if not feats:
                raise ValueError("feats must not be an empty tuple")
            feats = feats[-1]
        if not isinstance(feats, torch.Tensor):
            raise TypeError(f"feats must be a tensor or a tuple of tensors, got {type(feats).__name__}")
        return feats

    def forward(self, feats: torch.Tensor | Sequence[torch.Tensor]) -> torch.Tensor:
        """Class scores (logits) of shape ``(N, num_classes)``."""
        return self.pre_logits(feats)

    def loss(self, cls_score: torch.Tensor, gt_label: torch.Tensor, **kwargs: Any) -> dict[str, torch.Tensor]:
        """``{'loss': ..., 'accuracy_top-k': ...}`` for scores and labels; ``kwargs`` go to the loss."""
        losses = {"loss": self.compute_loss(cls_score, gt_label, **kwargs)}
        if self.cal_acc:
            with torch.no_grad():
                for k, acc in zip(self.topk, topk_accuracy(cls_score.detach(), gt_label, self.topk), strict=True):
                    losses[f"accuracy_top-{k}"] = acc
        return losses

    def forward_train(
        self, feats: torch.Tensor | Sequence[torch.Tensor], gt_label: torch.Tensor, **kwargs: Any
    ) -> dict[str, torch.Tensor]:
        """Scores from ``feats`` and their losses, the training step of seed 004."""
        return self.loss(self(feats), gt_label, **kwargs)

    def predict(self, feats: torch.Tensor | Sequence[torch.Tensor]) -> dict[str, torch.Tensor]:
        """``{'scores': softmax probabilities (N, C), 'labels': best class (N,)}``."""
        scores = self(feats).softmax(dim=1)
        return {"scores": scores, "labels": scores.argmax(dim=1)}

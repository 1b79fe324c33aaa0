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

    Subclasses add layers in `forward`; this base class passes the
    last feature through unchanged, so it also serves a backbone that
    already ends in class scores.

    Args:
        loss: config of the loss, built from ``cnn_models.LOSSES``.
        topk: the k of the top-k accuracies reported with the loss.
        cal_acc: report the accuracies with the loss (off for mixed labels).
        init_cfg: initialisation config (see `cnn_init.BaseModule`).

    >>> head = ClsHead(topk=(1,))
    >>> out = head.loss(torch.tensor([[2.0, 0.0], [0.0, 2.0]]), torch.tensor([0, 0]))
    >>> sorted(out), out['accuracy']['top-1'].item()
    (['accuracy', 'loss'], 50.0)
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

    def loss(self, cls_score: torch.Tensor, gt_label: torch.Tensor, **kwargs: Any) -> dict[str, Any]:
        """``{'loss': ..., 'accuracy': {'top-k': ...}}`` for scores and labels, as mmcls 0.x; ``kwargs`` go to the loss.

        Only entries whose name contains ``loss`` are summed to train; the
        accuracies (in percent) are there to be logged.
        """
        losses: dict[str, Any] = {"loss": self.compute_loss(cls_score, gt_label, **kwargs)}
        if self.cal_acc:
            with torch.no_grad():
                accuracies = topk_accuracy(cls_score.detach(), gt_label, self.topk)
            losses["accuracy"] = {f"top-{k}": acc for k, acc in zip(self.topk, accuracies, strict=True)}
        return losses

    def forward_train(
        self, feats: torch.Tensor | Sequence[torch.Tensor], gt_label: torch.Tensor, **kwargs: Any
    ) -> dict[str, Any]:
        """Scores from ``feats`` and their losses: the training step of mmcls 0.x heads."""
        return self.loss(self(feats), gt_label, **kwargs)

    def predict(self, feats: torch.Tensor | Sequence[torch.Tensor]) -> dict[str, torch.Tensor]:
        """``{'scores': softmax probabilities (N, C), 'labels': best class (N,)}``."""
        scores = self(feats).softmax(dim=1)
        return {"scores": scores, "labels": scores.argmax(dim=1)}

    def simple_test(
        self, feats: torch.Tensor | Sequence[torch.Tensor], softmax: bool = True, post_process: bool = True
    ) -> torch.Tensor | list[torch.Tensor]:
        """Scores of ``feats`` as mmcls 0.x's ``simple_test``: softmax probabilities unless ``softmax=False``.

        With ``post_process`` (the default) the result is a list with one
        detached CPU tensor of scores per sample, where mmcls gives numpy arrays
        (``numpy.asarray`` turns each into one); without it, or while tracing or
        exporting to ONNX, the ``(N, C)`` tensor.

        >>> head = ClsHead()
        >>> [row.tolist() for row in head.simple_test(torch.zeros(2, 2))]
        [[0.5, 0.5], [0.5, 0.5]]
        """
        scores = self(feats)
        if softmax:
            scores = self.activate(scores)
        return self.post_process(scores) if post_process else scores

    def activate(self, cls_score: torch.Tensor) -> torch.Tensor:
        """Scores to probabilities: a softmax over classes (a sigmoid in multi-label heads)."""
        return cls_score.softmax(dim=1)

    @staticmethod
    def post_process(scores: torch.Tensor) -> torch.Tensor | list[torch.Tensor]:
        """One detached CPU tensor per sample, as mmcls 0.x's ``post_process`` (which gives numpy arrays).

        While the model is traced (``torch.jit.trace``) or exported to ONNX, ``scores`` come back unchanged,
        the ``(N, C)`` tensor, as in mmcls 0.x: a graph's output is a tensor, not a Python list.
        """
        if torch.onnx.is_in_onnx_export() or torch.jit.is_tracing():
            return scores
        return list(scores.detach().cpu().unbind(0))

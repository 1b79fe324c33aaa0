"""``ImageClassifier``: backbone, optional neck and head, the complete model of seed 004."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from cnn_backbones.registry import BACKBONES
from cnn_init import BaseModule

from ..registry import HEADS, MODELS, NECKS

MODES = ("tensor", "loss", "predict")


def _check_cfg(cfg: object, argument: str, optional: bool) -> None:
    if cfg is None and optional:
        return
    if not isinstance(cfg, Mapping):
        expected = "a config dict" + (" or None" if optional else "")
        raise TypeError(f"{argument} must be {expected} such as dict(type=...), got {type(cfg).__name__}: {cfg!r}")


@MODELS.register_module()
class ImageClassifier(BaseModule):
    """An image classifier: ``head(neck(backbone(x)))``.

    Args:
        backbone: config of a backbone in ``cnn_backbones.BACKBONES``.
        neck: config of a neck in ``cnn_models.NECKS``, or ``None``.
        head: config of a head in ``cnn_models.HEADS``, or ``None`` (then
            ``forward`` returns the features).
        init_cfg: initialisation config of the whole model, applied by
            :meth:`init_weights` before each part's own scheme.

    ``forward(inputs, targets=None, mode='tensor')`` gives the class scores,
    with ``mode='loss'`` a dict of named losses (keys with ``loss`` in them
    are summed to train), with ``mode='predict'`` ``{'scores', 'labels'}``.

    >>> from cnn_models import build_model
    >>> model = build_model(dict(
    ...     backbone=dict(type='ResNet_CIFAR', depth=18, base_channels=4),
    ...     neck=dict(type='GlobalAveragePooling'),
    ...     head=dict(type='LinearClsHead', num_classes=10, in_channels=32)))
    >>> x = torch.randn(2, 3, 8, 8)
    >>> model(x).shape
    torch.Size([2, 10])
    >>> sorted(model(x, torch.tensor([1, 2]), mode='loss'))
    ['accuracy', 'loss']
    >>> model(x, mode='predict')['labels'].shape
    torch.Size([2])
    """

    def __init__(
        self,
        backbone: Mapping[str, Any],
        neck: Mapping[str, Any] | None = None,
        head: Mapping[str, Any] | None = None,
        init_cfg: dict[str, Any] | list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(init_cfg=init_cfg)
        _check_cfg(backbone, "backbone", optional=False)
        _check_cfg(neck, "neck", optional=True)
        _check_cfg(head, "head", optional=True)
        self.backbone = BACKBONES.build(backbone)
        self.neck = None if neck is None else NECKS.build(neck)
        self.head = None if head is None else HEADS.build(head)

    @property
    def with_neck(self) -> bool:
        """Whether the model has a neck."""
        return self.neck is not None

    @property
    def with_head(self) -> bool:
        """Whether the model has a head."""
        return self.head is not None

    def extract_feat(self, inputs: torch.Tensor) -> Any:
        """The backbone's outputs, passed through the neck when there is one."""
        if not isinstance(inputs, torch.Tensor):
            raise TypeError(f"inputs must be a tensor of images (N, C, H, W), got {type(inputs).__name__}")
        feats = self.backbone(inputs)
        return self.neck(feats) if self.neck is not None else feats

    def forward(self, inputs: torch.Tensor, targets: torch.Tensor | None = None, mode: str = "tensor") -> Any:
        """Scores (``'tensor'``), a dict of losses (``'loss'``) or predictions (``'predict'``)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        feats = self.extract_feat(inputs)
        if mode == "tensor":
            return self.head(feats) if self.head is not None else feats
        if self.head is None:
            raise ValueError(f"mode={mode!r} needs a head; this model was built with head=None")
        if mode == "loss":
            if targets is None:
                raise ValueError("mode='loss' needs targets (class indices or label tensors), got None")
            return self.head.forward_train(feats, targets)
        return self.head.predict(feats)

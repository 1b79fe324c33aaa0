"""``ImageClassifier``: backbone, optional neck and head, the complete model of mmcls's guide."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from cnn_backbones.registry import BACKBONES
from cnn_init import BaseModule

from ..augments import RandomBatchAugment
from ..registry import HEADS, MODELS, NECKS

MODES = ("tensor", "loss", "predict")


def _check_cfg(cfg: object, argument: str, optional: bool, allow_list: bool = False) -> None:
    if cfg is None and optional:
        return
    if allow_list and isinstance(cfg, (list, tuple)) and cfg and all(isinstance(c, Mapping) for c in cfg):
        return
    if not isinstance(cfg, Mapping):
        expected = "a config dict" + (" or a list of them" if allow_list else "") + (" or None" if optional else "")
        raise TypeError(f"{argument} must be {expected} such as dict(type=...), got {type(cfg).__name__}: {cfg!r}")


def _describe(feats: object) -> str:
    if isinstance(feats, torch.Tensor):
        return f"a tensor of shape {tuple(feats.shape)}"
    if isinstance(feats, (tuple, list)):
        return f"a {type(feats).__name__} of {len(feats)}: ({', '.join(_describe(f) for f in feats)})"
    return type(feats).__name__


def _call_part(
    part: str, module: nn.Module, function: Callable[..., Any], feats: Any, *args: Any, **kwargs: Any
) -> Any:
    """Call a neck or head; if one written for a single tensor chokes on a tuple, say so and how to fix it."""
    try:
        return function(feats, *args, **kwargs)
    except (TypeError, AttributeError) as exc:
        if not isinstance(feats, tuple):
            raise
        name = type(module).__name__
        hint = (
            "take the tuple and use its last element (inputs[-1]), as mmcls's GlobalAveragePooling does"
            if part == "neck"
            else "start with `x = self.pre_logits(x)` (ClsHead's, which takes the last element), or use x[-1]"
        )
        raise TypeError(
            f"the {part} {name} was given {_describe(feats)}: backbones return one tensor per out_indices "
            f"stage, as in mmcls. {name} failed on it with {type(exc).__name__}: {exc}. To fix, {hint}."
        ) from exc


@MODELS.register_module()
class ImageClassifier(BaseModule):
    """An image classifier: ``head(neck(backbone(x)))``.

    Args:
        backbone: config of a backbone in ``cnn_backbones.BACKBONES``.
        neck: config of a neck in ``cnn_models.NECKS``, a list of them (applied
            in order, as mmpretrain's ``[HRFuseScales, GlobalAveragePooling]``), or ``None``.
        head: config of a head in ``cnn_models.HEADS``, or ``None`` (then
            ``forward`` returns the features).
        pretrained: a checkpoint (path, URL or catalog name) the whole model
            loads in `init_weights`, as mmcls 0.x's argument; the same as
            ``init_cfg=dict(type='Pretrained', checkpoint=pretrained)``.
        train_cfg: ``dict(augments=[dict(type='Mixup', alpha=...), dict(type='CutMix', alpha=...)],
            probs=None)``: batch augments applied in ``mode='loss'`` while training, as mmpretrain.
        init_cfg: initialisation config of the whole model, applied by
            `init_weights` before each part's own scheme.

    ``forward(inputs, targets=None, mode='tensor')`` gives the class scores,
    with ``mode='loss'`` a dict of named losses (keys with ``loss`` in them
    are summed to train), with ``mode='predict'`` ``{'scores', 'labels'}``.
    mmcls 0.x's `forward_train` and `simple_test` are there too.

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
        neck: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None,
        head: Mapping[str, Any] | None = None,
        pretrained: str | None = None,
        train_cfg: Mapping[str, Any] | None = None,
        init_cfg: dict[str, Any] | list[dict[str, Any]] | None = None,
    ) -> None:
        if pretrained is not None:
            if not isinstance(pretrained, str) or not pretrained:
                raise TypeError(f"pretrained must be a checkpoint path, URL or catalog name, got {pretrained!r}")
            if init_cfg is not None:
                raise ValueError(
                    f"give pretrained={pretrained!r} or init_cfg={init_cfg!r}, not both; "
                    "pretrained is init_cfg=dict(type='Pretrained', checkpoint=...)"
                )
            init_cfg = {"type": "Pretrained", "checkpoint": pretrained}
        super().__init__(init_cfg=init_cfg)
        _check_cfg(backbone, "backbone", optional=False)
        _check_cfg(neck, "neck", optional=True, allow_list=True)
        _check_cfg(head, "head", optional=True)
        self.backbone = BACKBONES.build(backbone)
        self.neck: nn.Module | None = None
        if isinstance(neck, (list, tuple)):
            self.neck = nn.Sequential(*(NECKS.build(cfg) for cfg in neck))
        elif isinstance(neck, Mapping):
            self.neck = NECKS.build(neck)
        self.head = None if head is None else HEADS.build(head)
        self.batch_augments = self._build_augments(train_cfg)

    def _build_augments(self, train_cfg: Mapping[str, Any] | None) -> RandomBatchAugment | None:
        if train_cfg is None:
            return None
        if not isinstance(train_cfg, Mapping):
            raise TypeError(f"train_cfg must be a dict such as dict(augments=[...]), got {train_cfg!r}")
        unknown = sorted(set(train_cfg) - {"augments", "probs"})
        if unknown:
            raise ValueError(f"unknown key(s) {unknown} in train_cfg; expected 'augments' and 'probs'")
        if "augments" not in train_cfg:
            return None
        if self.head is None or not isinstance(getattr(self.head, "num_classes", None), int):
            raise ValueError("train_cfg augments need a head with num_classes, to turn labels into one-hot scores")
        return RandomBatchAugment(
            train_cfg["augments"], probs=train_cfg.get("probs"), num_classes=self.head.num_classes
        )

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
        return feats if self.neck is None else _call_part("neck", self.neck, self.neck, feats)

    def augment(self, inputs: torch.Tensor, targets: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """The batch after ``train_cfg``'s augments: class indices become mixed one-hot scores."""
        if self.batch_augments is None:
            return inputs, targets
        num_classes = self.head.num_classes  # type: ignore[union-attr]
        scores = targets if targets.is_floating_point() else F.one_hot(targets.long(), num_classes).float()
        return self.batch_augments(inputs, scores)

    def forward(self, inputs: torch.Tensor, targets: torch.Tensor | None = None, mode: str = "tensor") -> Any:
        """Scores (``'tensor'``), a dict of losses (``'loss'``) or predictions (``'predict'``)."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {mode!r}")
        if mode == "loss":
            if targets is None:
                raise ValueError("mode='loss' needs targets (class indices or label tensors), got None")
            return self.forward_train(inputs, targets)
        feats = self.extract_feat(inputs)
        if mode == "tensor":
            return feats if self.head is None else _call_part("head", self.head, self.head, feats)
        return self._head("predict").predict(feats)

    def _head(self, mode: str) -> Any:
        if self.head is None:
            raise ValueError(f"mode={mode!r} needs a head; this model was built with head=None")
        return self.head

    def forward_train(self, img: torch.Tensor, gt_label: torch.Tensor, **kwargs: Any) -> dict[str, Any]:
        """The losses of a batch, after the batch augments while training (mmcls 0.x's name)."""
        head = self._head("loss")
        if self.training:
            img, gt_label = self.augment(img, gt_label)
        return _call_part("head", head, head.forward_train, self.extract_feat(img), gt_label, **kwargs)

    def simple_test(self, img: torch.Tensor, **kwargs: Any) -> Any:
        """mmcls 0.x's test step: the head's `simple_test` of the features (one score row per image)."""
        head = self._head("predict")
        return _call_part("head", head, head.simple_test, self.extract_feat(img), **kwargs)

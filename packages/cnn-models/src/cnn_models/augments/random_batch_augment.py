"""``RandomBatchAugment``: pick one of several batch augments (or none) for every training batch."""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import torch

from ..registry import BATCH_AUGMENTS

BatchAugment = Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]]

#: mmcls 0.x type names and the type each stands for; their ``num_classes`` and ``prob`` are read here
MMCLS_0X_NAMES = {"BatchMixup": "Mixup", "BatchCutMix": "CutMix"}


class RandomBatchAugment:
    """Apply one augment of ``augments``, chosen with ``probs``, to a batch of images and one-hot scores.

    The ``train_cfg=dict(augments=[...], probs=...)`` of mmpretrain's
    ``ImageClassifier``. Without ``probs`` each augment is equally likely;
    with ``probs`` summing to less than 1 the rest is the chance of leaving
    the batch as it is. mmcls 0.x's form, ``dict(type='BatchMixup', alpha=...,
    num_classes=..., prob=...)`` per augment, is read too.

    Args:
        augments: configs (``dict(type='Mixup', alpha=0.8)``) or callables, or one of them.
        probs: the chance of each augment, or ``None``.
        num_classes: the classifier's class count, checked against mmcls 0.x's ``num_classes``.

    >>> augment = RandomBatchAugment([dict(type='Mixup', alpha=0.8), dict(type='CutMix', alpha=1.0)])
    >>> augment.augments
    [Mixup(alpha=0.8), CutMix(alpha=1.0, cutmix_minmax=None, correct_lam=True)]
    >>> images, scores = augment(torch.rand(4, 3, 8, 8), torch.eye(4))
    >>> images.shape, scores.sum(dim=1).tolist()
    (torch.Size([4, 3, 8, 8]), [1.0, 1.0, 1.0, 1.0])
    """

    def __init__(
        self,
        augments: Mapping[str, Any] | BatchAugment | Sequence[Mapping[str, Any] | BatchAugment],
        probs: float | Sequence[float] | None = None,
        num_classes: int | None = None,
    ) -> None:
        items = list(augments) if isinstance(augments, (list, tuple)) else [augments]
        if not items:
            raise ValueError("augments must name at least one batch augment such as dict(type='Mixup', alpha=0.8)")
        self.augments: list[BatchAugment] = []
        legacy_probs: list[float] = []
        for item in items:
            if isinstance(item, Mapping):
                cfg = copy.deepcopy(dict(item))
                if cfg.get("type") in MMCLS_0X_NAMES:
                    cfg["type"] = MMCLS_0X_NAMES[cfg["type"]]
                    legacy_probs.append(float(cfg.pop("prob", 1.0)))
                    given = cfg.pop("num_classes", None)
                    if num_classes is not None and given is not None and given != num_classes:
                        raise ValueError(
                            f"augment {item!r} says num_classes={given}, but the head has {num_classes} classes"
                        )
                self.augments.append(BATCH_AUGMENTS.build(cfg))
            elif callable(item):
                self.augments.append(item)
            else:
                raise TypeError(
                    f"each augment must be a config dict or a callable, got {type(item).__name__}: {item!r}"
                )
        if probs is None and legacy_probs:
            probs = legacy_probs if len(legacy_probs) == len(self.augments) else None
        self.probs = self._check_probs(probs)

    def _check_probs(self, probs: float | Sequence[float] | None) -> list[float] | None:
        if probs is None:
            return None
        values = [probs] if isinstance(probs, (int, float)) else list(probs)
        if len(values) != len(self.augments):
            raise ValueError(f"probs must have one value per augment ({len(self.augments)}), got {probs!r}")
        if any(isinstance(p, bool) or not isinstance(p, (int, float)) or p < 0 for p in values):
            raise ValueError(f"probs must be non-negative numbers, got {probs!r}")
        total = sum(values)
        if total > 1.0 + 1e-6:
            raise ValueError(f"probs must sum to at most 1 (the rest leaves the batch as it is), got {probs!r}")
        return [float(p) for p in values] + [max(1.0 - total, 0.0)]

    def choose(self) -> BatchAugment | None:
        """The augment for the next batch (``None``: leave it as it is), drawn from torch's generator."""
        if self.probs is None:
            return self.augments[int(torch.randint(len(self.augments), ()))]
        index = int(torch.multinomial(torch.tensor(self.probs), 1))
        return self.augments[index] if index < len(self.augments) else None

    def __call__(self, inputs: torch.Tensor, scores: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        augment = self.choose()
        if augment is None:
            return inputs, scores.float()
        return augment(inputs, scores.float())

    def __repr__(self) -> str:
        return f"{type(self).__name__}(augments={self.augments}, probs={self.probs})"

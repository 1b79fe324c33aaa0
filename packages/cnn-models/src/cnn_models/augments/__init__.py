"""Batch augments of training: Mixup and CutMix, chosen per batch by `RandomBatchAugment`."""

from .cutmix import CutMix
from .mixup import Mixup
from .random_batch_augment import RandomBatchAugment

__all__ = ["CutMix", "Mixup", "RandomBatchAugment"]

"""``build_datasets``: the small image datasets ``cnn train`` and ``cnn demo`` learn from.

Two kinds, both held in memory as tensors:

- ``digits``: scikit-learn's 1,797 handwritten digits (8x8, 10 classes),
  shipped inside scikit-learn (``pip install cnn-models[demo]``), upsampled.
- ``random``: seeded noise images whose class shifts each channel's mean,
  learnable and with no dependency; for smoke tests of the loop.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch
import torch.nn.functional as F
from torch.utils.data import TensorDataset

DATASET_TYPES = ("digits", "random")


def _split(images: torch.Tensor, labels: torch.Tensor, test_fraction: float, seed: int):
    order = torch.randperm(len(labels), generator=torch.Generator().manual_seed(seed))
    n_test = round(len(labels) * test_fraction)
    test, train = order[:n_test], order[n_test:]
    return TensorDataset(images[train], labels[train]), TensorDataset(images[test], labels[test])


def load_digits_tensors(image_size: int = 16, in_channels: int = 1) -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn's digits as ``(N, in_channels, image_size, image_size)`` floats, standardised, and labels.

    >>> images, labels = load_digits_tensors(image_size=12)  # doctest: +SKIP
    >>> images.shape, labels[:5].tolist()  # doctest: +SKIP
    (torch.Size([1797, 1, 12, 12]), [0, 1, 2, 3, 4])
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError:
        raise ImportError(
            "the 'digits' dataset comes from scikit-learn, which is not installed; "
            "run `pip install cnn-models[demo]` (or `pip install scikit-learn`)"
        ) from None
    digits = load_digits()
    images = torch.tensor(digits.images, dtype=torch.float32).unsqueeze(1) / 16.0
    if image_size != images.shape[-1]:
        images = F.interpolate(images, size=(image_size, image_size), mode="bilinear", align_corners=False)
    images = (images - images.mean()) / images.std()
    return images.expand(-1, in_channels, -1, -1).contiguous(), torch.tensor(digits.target, dtype=torch.long)


def random_image_tensors(
    num_samples: int = 64, image_size: int = 8, in_channels: int = 3, num_classes: int = 4, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Seeded noise images whose class shifts the mean of every channel by a class-specific amount.

    The class centres are random vectors of norm 3 (one value per channel), so a
    network that averages each channel can tell the classes apart.

    >>> images, labels = random_image_tensors(num_samples=5, image_size=8, num_classes=4)
    >>> images.shape, labels.shape
    (torch.Size([5, 3, 8, 8]), torch.Size([5]))
    """
    generator = torch.Generator().manual_seed(seed)
    centres = torch.randn(num_classes, in_channels, generator=generator)
    centres = 3.0 * centres / centres.norm(dim=1, keepdim=True)
    labels = torch.randint(0, num_classes, (num_samples,), generator=generator)
    images = torch.randn(num_samples, in_channels, image_size, image_size, generator=generator)
    return images + centres[labels][:, :, None, None], labels


def build_datasets(cfg: Mapping[str, Any], seed: int = 0) -> tuple[TensorDataset, TensorDataset]:
    """``(train, test)`` datasets from ``cfg``: ``dict(type='digits'|'random', test_fraction=0.25, ...)``.

    The other keys go to `load_digits_tensors` or `random_image_tensors`;
    ``subset`` keeps only the first that many samples before the split. ``cfg`` is not modified.

    >>> train, test = build_datasets(dict(type='random', num_samples=40, image_size=8))
    >>> len(train), len(test), train[0][0].shape
    (30, 10, torch.Size([3, 8, 8]))
    """
    if not isinstance(cfg, Mapping):
        raise TypeError(f"data must be a config dict such as dict(type='digits'), got {type(cfg).__name__}: {cfg!r}")
    options = dict(cfg)
    kind = options.pop("type", "digits")
    test_fraction = options.pop("test_fraction", 0.25)
    subset = options.pop("subset", None)
    for key in ("batch_size", "num_workers"):  # loader options live beside the dataset's
        options.pop(key, None)
    if not isinstance(test_fraction, (int, float)) or not 0.0 < test_fraction < 1.0:
        raise ValueError(f"data.test_fraction must be a number in (0, 1), got {test_fraction!r}")
    if kind == "digits":
        images, labels = load_digits_tensors(**options)
    elif kind == "random":
        images, labels = random_image_tensors(**{"seed": seed, **options})
    else:
        raise ValueError(f"data.type must be one of {DATASET_TYPES}, got {kind!r}")
    if subset is not None:
        if isinstance(subset, bool) or not isinstance(subset, int) or subset < 2:
            raise ValueError(f"data.subset must be an int >= 2 or None, got {subset!r}")
        images, labels = images[:subset], labels[:subset]
    return _split(images, labels, float(test_fraction), seed)

"""Necks, heads, losses and complete image classifiers, each built from a config dict.

A complete model is backbone + neck + head + loss, as in mmcls's guide to
adding a backbone:

>>> import torch
>>> from cnn_models import build_model
>>> model = build_model(dict(
...     backbone=dict(type='ResNet_CIFAR', depth=18, base_channels=4),
...     neck=dict(type='GlobalAveragePooling'),
...     head=dict(type='LinearClsHead', num_classes=10, in_channels=32,
...               loss=dict(type='CrossEntropyLoss', loss_weight=1.0))))
>>> model(torch.randn(2, 3, 8, 8)).shape
torch.Size([2, 10])

This is the library only. The training loop, datasets, the demo, the model
summary and the ``cnn`` command live in `cnn_models.tools`, which is imported
only when used.
"""

import warnings as _warnings
from typing import Any as _Any

from .accuracy import topk_accuracy
from .augments import CutMix, Mixup, RandomBatchAugment
from .build import build_head, build_loss, build_model, build_neck
from .classifiers import ImageClassifier
from .heads import ClsHead, CSRAClsHead, LinearClsHead, MultiLabelClsHead, MultiLabelLinearClsHead, StackedLinearClsHead
from .losses import (
    CrossEntropyLoss,
    FocalLoss,
    L1Loss,
    LabelSmoothLoss,
    MSELoss,
    binary_cross_entropy,
    cross_entropy,
    l1_loss,
    mse_loss,
    reduce_loss,
    sigmoid_focal_loss,
    weight_reduce_loss,
    weighted_loss,
)
from .necks import GeneralizedMeanPooling, GlobalAveragePooling, HRFuseScales
from .presets import PRESETS, get_preset
from .registry import BATCH_AUGMENTS, HEADS, LOSSES, MODELS, NECKS

# --- pretrained models by name (issue 14): model factory, weight cards, preprocessing ---
# isort: split
from .model_factory import create_model, list_models
from .transforms import ImageTransform
from .weights import WeightCard, get_weights

__all__ = ["ImageTransform", "WeightCard", "create_model", "get_weights", "list_models"]
# --- end of pretrained models by name ---

__version__ = "0.1.0"

__all__ += [
    "BATCH_AUGMENTS",
    "HEADS",
    "LOSSES",
    "MODELS",
    "NECKS",
    "PRESETS",
    "CSRAClsHead",
    "ClsHead",
    "CrossEntropyLoss",
    "CutMix",
    "FocalLoss",
    "GeneralizedMeanPooling",
    "GlobalAveragePooling",
    "HRFuseScales",
    "ImageClassifier",
    "L1Loss",
    "LabelSmoothLoss",
    "LinearClsHead",
    "MSELoss",
    "Mixup",
    "MultiLabelClsHead",
    "MultiLabelLinearClsHead",
    "RandomBatchAugment",
    "StackedLinearClsHead",
    "__version__",
    "binary_cross_entropy",
    "build_head",
    "build_loss",
    "build_model",
    "build_neck",
    "cross_entropy",
    "get_preset",
    "l1_loss",
    "mse_loss",
    "reduce_loss",
    "sigmoid_focal_loss",
    "topk_accuracy",
    "weight_reduce_loss",
    "weighted_loss",
]

#: names that moved to `cnn_models.tools`; reading them here still works, with a FutureWarning
_MOVED_TO_TOOLS = (
    "DEMO_CONFIG",
    "DemoResult",
    "DistributedContext",
    "GradientAveraging",
    "ModelSummary",
    "TrainingRun",
    "build_datasets",
    "run_demo",
    "summarize",
    "train_classifier",
)


def __getattr__(name: str) -> _Any:
    if name in _MOVED_TO_TOOLS:
        from . import tools

        _warnings.warn(
            f"cnn_models.{name} moved to cnn_models.tools.{name}; import it from cnn_models.tools",
            FutureWarning,
            stacklevel=2,
        )
        return getattr(tools, name)
    raise AttributeError(f"module 'cnn_models' has no attribute {name!r}")

"""Necks, heads, losses and complete image classifiers built from one config, with the ``cnn`` command.

A complete model is backbone + neck + head + loss (seed 004):

>>> import torch
>>> from cnn_models import build_model
>>> model = build_model(dict(
...     backbone=dict(type='ResNet_CIFAR', depth=18, base_channels=4),
...     neck=dict(type='GlobalAveragePooling'),
...     head=dict(type='LinearClsHead', num_classes=10, in_channels=32,
...               loss=dict(type='CrossEntropyLoss', loss_weight=1.0))))
>>> model(torch.randn(2, 3, 8, 8)).shape
torch.Size([2, 10])
"""

from .accuracy import topk_accuracy
from .build import build_head, build_loss, build_model, build_neck
from .classifiers import ImageClassifier
from .datasets import build_datasets
from .demo import DEMO_CONFIG, DemoResult, run_demo
from .distributed import DistributedContext
from .gradient_averaging import GradientAveraging
from .heads import ClsHead, LinearClsHead, MultiLabelLinearClsHead, StackedLinearClsHead
from .losses import (
    CrossEntropyLoss,
    FocalLoss,
    L1Loss,
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
from .necks import GeneralizedMeanPooling, GlobalAveragePooling
from .presets import PRESETS, get_preset
from .registry import HEADS, LOSSES, MODELS, NECKS
from .summary import ModelSummary, summarize
from .training import TrainingRun, train_classifier

__version__ = "0.1.0"

__all__ = [
    "DEMO_CONFIG",
    "HEADS",
    "LOSSES",
    "MODELS",
    "NECKS",
    "PRESETS",
    "ClsHead",
    "CrossEntropyLoss",
    "DemoResult",
    "DistributedContext",
    "FocalLoss",
    "GeneralizedMeanPooling",
    "GlobalAveragePooling",
    "GradientAveraging",
    "ImageClassifier",
    "L1Loss",
    "LinearClsHead",
    "MSELoss",
    "ModelSummary",
    "MultiLabelLinearClsHead",
    "StackedLinearClsHead",
    "TrainingRun",
    "__version__",
    "binary_cross_entropy",
    "build_datasets",
    "build_head",
    "build_loss",
    "build_model",
    "build_neck",
    "cross_entropy",
    "get_preset",
    "l1_loss",
    "mse_loss",
    "reduce_loss",
    "run_demo",
    "sigmoid_focal_loss",
    "summarize",
    "topk_accuracy",
    "train_classifier",
    "weight_reduce_loss",
    "weighted_loss",
]

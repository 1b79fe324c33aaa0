"""Builders: ``build_model`` and friends, one line each over the registries."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from torch import nn

from .registry import HEADS, LOSSES, MODELS, NECKS


def build_model(cfg: Mapping[str, Any]) -> nn.Module:
    """Build a complete model; a cfg without ``type`` is an ``ImageClassifier`` (the ``model_cfg`` of mmcls's guide).

    >>> model = build_model(dict(
    ...     backbone=dict(type='ResNet_CIFAR', depth=18, base_channels=2),
    ...     neck=dict(type='GlobalAveragePooling'),
    ...     head=dict(type='LinearClsHead', num_classes=2, in_channels=16)))
    >>> type(model).__name__
    'ImageClassifier'
    """
    return MODELS.build(cfg, default_args={"type": "ImageClassifier"})


def build_neck(cfg: Mapping[str, Any]) -> nn.Module:
    """Build a neck from ``cnn_models.NECKS``.

    >>> build_neck(dict(type='GlobalAveragePooling'))
    GlobalAveragePooling(
      (gap): AdaptiveAvgPool2d(output_size=1)
    )
    """
    return NECKS.build(cfg)


def build_head(cfg: Mapping[str, Any]) -> nn.Module:
    """Build a head from ``cnn_models.HEADS``.

    >>> build_head(dict(type='LinearClsHead', num_classes=3, in_channels=4)).fc
    Linear(in_features=4, out_features=3, bias=True)
    """
    return HEADS.build(cfg)


def build_loss(cfg: Mapping[str, Any]) -> nn.Module:
    """Build a loss from ``cnn_models.LOSSES``.

    >>> build_loss(dict(type='L1Loss', loss_weight=2.0)).loss_weight
    2.0
    """
    return LOSSES.build(cfg)

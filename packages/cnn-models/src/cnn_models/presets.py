"""``PRESETS``: named model configs for ``cnn summary``, one per backbone family.

``resnet50`` is the ``model_cfg`` of mmcls's guide to adding a backbone, word for word; ``resnet18_cifar``
is the classifier ``cnn demo`` trains.
"""

from __future__ import annotations

import copy
from typing import Any

CE_LOSS: dict[str, Any] = {"type": "CrossEntropyLoss", "loss_weight": 1.0}


def _classifier(backbone: dict[str, Any], in_channels: int, num_classes: int = 1000) -> dict[str, Any]:
    topk = (1, 5) if num_classes >= 5 else (1,)
    return dict(
        backbone=backbone,
        neck=dict(type="GlobalAveragePooling"),
        head=dict(type="LinearClsHead", num_classes=num_classes, in_channels=in_channels, loss=CE_LOSS, topk=topk),
    )


PRESETS: dict[str, dict[str, Any]] = {
    # mmcls's guide to adding a backbone, verbatim
    "resnet50": dict(
        backbone=dict(type="ResNet", depth=50, num_stages=4, out_indices=(3,), style="pytorch"),
        neck=dict(type="GlobalAveragePooling"),
        head=dict(
            type="LinearClsHead",
            num_classes=1000,
            in_channels=2048,
            loss=dict(type="CrossEntropyLoss", loss_weight=1.0),
            topk=(1, 5),
        ),
    ),
    "resnet18_cifar": _classifier(dict(type="ResNet_CIFAR", depth=18, out_indices=(3,)), 512, num_classes=10),
    "resnet18": _classifier(dict(type="ResNet", depth=18, out_indices=(3,), norm_eval=False), 512),
    "resnetv1d50": _classifier(dict(type="ResNetV1d", depth=50, out_indices=(3,), norm_eval=False), 2048),
    "resnext50_32x4d": _classifier(
        dict(type="ResNeXt", depth=50, groups=32, base_width=4, out_indices=(3,), norm_eval=False), 2048
    ),
    "res2net50_w26_s4": _classifier(
        dict(type="Res2Net", depth=50, scales=4, base_width=26, out_indices=(3,), norm_eval=False), 2048
    ),
    "regnetx_400mf": _classifier(dict(type="RegNet", arch="regnetx_400mf", out_indices=(3,), norm_eval=False), 384),
    # mmpretrain's HRNet classifier: the four branches fused into one 2048-channel map, then pooled
    "hrnet_w18": dict(
        _classifier(dict(type="HRNet", extra="w18", out_indices=(0, 1, 2, 3), norm_eval=False), 2048),
        neck=[dict(type="HRFuseScales", in_channels=(18, 36, 72, 144)), dict(type="GlobalAveragePooling")],
    ),
    "vgg11": _classifier(dict(type="VGG", depth=11, out_indices=(4,)), 512),
    "ghostnet": _classifier(dict(type="GhostNet", widen_factor=1.0, out_indices=(9,)), 960),
}


def get_preset(name: str) -> dict[str, Any]:
    """A copy of the preset model config called ``name``.

    >>> get_preset('resnet50')['head']['in_channels']
    2048
    """
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; the presets are {', '.join(sorted(PRESETS))}")
    return copy.deepcopy(PRESETS[name])

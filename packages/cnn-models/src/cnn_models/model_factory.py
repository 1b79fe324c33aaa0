"""``list_models`` and ``create_model``: pretrained classifiers and backbones by name.

A name is an architecture (``resnet50``), optionally with a weight tag
(``resnet50.tv_in1k``); `cnn_models.weights.get_weights` gives each tag's card.

>>> import torch
>>> from cnn_models import create_model, list_models
>>> list_models('resnet50*', pretrained=True)[:3]
['resnet50.tv_in1k', 'resnet50.tv2_in1k', 'resnet50.mmcls_in1k']
>>> model = create_model('resnet18', num_classes=10).eval()
>>> model(torch.rand(1, 3, 32, 32)).shape
torch.Size([1, 10])
>>> features = create_model('resnet18', out_indices=(2, 3)).eval()   # the backbone alone
>>> [tuple(f.shape) for f in features(torch.rand(1, 3, 32, 32))]
[(1, 256, 2, 2), (1, 512, 1, 1)]
"""

from __future__ import annotations

import copy
import difflib
import fnmatch
import logging
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import torch
from torch import nn

from cnn_backbones.registry import BACKBONES
from cnn_zoo.catalog import resolve, split_scheme

from .classifiers import ImageClassifier
from .weights import WeightCard, all_weights, get_weights, tags_of

_LOGGER = logging.getLogger("cnn_models")


#: The neck of every classifier here but VGG's and HRNet's: average the last stage's map to a vector.
GAP_NECK: tuple[dict[str, Any], ...] = (dict(type="GlobalAveragePooling"),)


@dataclass(frozen=True)
class Architecture:
    """How to build one named model as a classifier.

    Attributes:
        backbone: The backbone's config.
        head_channels: Channels the linear head reads (the neck's output).
        classifier_out_indices: The backbone stages the classifier's neck takes.
        neck: The neck configs, applied in order (global average pooling by default;
            HRNet fuses its four branches first, as mmpretrain's classifiers).
        torchvision_keys: ``(pattern, replacement)`` regex renames from torchvision's keys to the
            backbone's, for torchvision-layout checkpoints whose module tree is not ours
            (torchvision's RegNet); empty when the keys already match.
    """

    backbone: dict[str, Any]
    head_channels: int
    classifier_out_indices: tuple[int, ...]
    neck: tuple[dict[str, Any], ...] = GAP_NECK
    torchvision_keys: tuple[tuple[str, str], ...] = ()

    @property
    def is_vgg(self) -> bool:
        """VGG keeps torchvision's classifier inside the backbone (``backbone.classifier.*``)."""
        return self.backbone["type"] == "VGG"


def _arch(backbone: dict[str, Any], head_channels: int, out: int = 3) -> Architecture:
    return Architecture(backbone, head_channels, (out,))


ARCHITECTURES: dict[str, Architecture] = {}
for _depth in (18, 34, 50, 101, 152):
    _width = 512 if _depth < 50 else 2048
    ARCHITECTURES[f"resnet{_depth}"] = _arch(dict(type="ResNet", depth=_depth), _width)
for _depth in (50, 101):
    # torchvision's wide ResNets: the bottleneck's middle conv twice as wide (128 channels in the first stage),
    # its output as ResNet's (256): planes of 128 that expand by 2, behind the usual 64-channel stem
    ARCHITECTURES[f"wide_resnet{_depth}_2"] = _arch(
        dict(type="ResNet", depth=_depth, stem_channels=64, base_channels=128, expansion=2), 2048
    )
for _depth in (18, 50, 101):
    ARCHITECTURES[f"resnet{_depth}_v1c"] = _arch(dict(type="ResNetV1c", depth=_depth), 512 if _depth < 50 else 2048)
for _depth in (50, 101, 152):
    ARCHITECTURES[f"resnet{_depth}_v1d"] = _arch(dict(type="ResNetV1d", depth=_depth), 2048)
for _depth in (50, 101):
    ARCHITECTURES[f"resnet{_depth}_caffe"] = _arch(dict(type="ResNet", depth=_depth, style="caffe"), 2048)
for _depth, _groups, _width_per_group in ((50, 32, 4), (101, 32, 4), (101, 32, 8), (101, 64, 4), (152, 32, 4)):
    ARCHITECTURES[f"resnext{_depth}_{_groups}x{_width_per_group}d"] = _arch(
        dict(type="ResNeXt", depth=_depth, groups=_groups, base_width=_width_per_group), 2048
    )
ARCHITECTURES["res2net50_v1d_26w_4s"] = _arch(dict(type="Res2Net", depth=50, scales=4, base_width=26), 2048)
ARCHITECTURES["res2net101_v1d_26w_4s"] = _arch(dict(type="Res2Net", depth=101, scales=4, base_width=26), 2048)
for _depth, _base_width, _scales in ((50, 14, 8), (50, 26, 8), (101, 26, 4)):
    # the original Res2Net of mmcls's classifiers (7x7 stem, strided 1x1 shortcuts), in mmpretrain's layout:
    # every stage's first block pools its last slice, also at stride 1; batch norms frozen as the others here
    ARCHITECTURES[f"res2net{_depth}_w{_base_width}_s{_scales}"] = _arch(
        dict(
            type="mmpretrain.Res2Net",
            depth=_depth,
            scales=_scales,
            base_width=_base_width,
            deep_stem=False,
            avg_down=False,
            norm_eval=True,
        ),
        2048,
    )
for _name, _channels in (("400mf", 384), ("800mf", 672), ("1.6gf", 912), ("3.2gf", 1008), ("4.0gf", 1360)):
    ARCHITECTURES[f"regnetx_{_name}"] = _arch(dict(type="RegNet", arch=f"regnetx_{_name}"), _channels)
for _name, _channels in (("6.4gf", 1624), ("8.0gf", 1920), ("12gf", 2240)):
    ARCHITECTURES[f"regnetx_{_name}"] = _arch(dict(type="RegNet", arch=f"regnetx_{_name}"), _channels)
# torchvision's RegNetX module tree (``stem.0``, ``trunk_output.block1.block1-0.f.a.0`` ...) in our names
TORCHVISION_REGNET_KEYS: tuple[tuple[str, str], ...] = (
    (r"^stem\.0\.", "conv1."),
    (r"^stem\.1\.", "bn1."),
    (r"^trunk_output\.block(\d+)\.block\d+-(\d+)\.", r"layer\1.\2."),
    (r"\.proj\.([01])\.", r".downsample.\1."),
    (r"\.f\.a\.0\.", ".conv1."),
    (r"\.f\.a\.1\.", ".bn1."),
    (r"\.f\.b\.0\.", ".conv2."),
    (r"\.f\.b\.1\.", ".bn2."),
    (r"\.f\.c\.0\.", ".conv3."),
    (r"\.f\.c\.1\.", ".bn3."),
)
# torchvision's RegNetX stages: (widths, blocks, group width). They follow pycls's rule from the same
# parameters, except that torchvision snaps a stage's width to its group width rounding halves up, where
# pycls rounds them to even: RegNetX-400MF's last stage is 400 channels wide there and 384 in pycls's
# (and mmcls's) network, so torchvision's 400MF weights fit only this one.
for _name, (_widths, _blocks, _group_w) in {
    "400mf": ((32, 64, 160, 400), (1, 2, 7, 12), 16),
    "800mf": ((64, 128, 288, 672), (1, 3, 7, 5), 16),
    "1_6gf": ((72, 168, 408, 912), (2, 4, 10, 2), 24),
    "3_2gf": ((96, 192, 432, 1008), (2, 6, 15, 2), 48),
    "8gf": ((80, 240, 720, 1920), (2, 5, 15, 1), 120),
    "16gf": ((256, 512, 896, 2048), (2, 6, 13, 1), 128),
    "32gf": ((336, 672, 1344, 2520), (2, 7, 13, 1), 168),
}.items():
    _stages = dict(stage_widths=_widths, stage_blocks=_blocks, group_w=_group_w, bot_mul=1.0)
    ARCHITECTURES[f"regnet_x_{_name}"] = Architecture(
        dict(type="RegNet", arch=_stages), _widths[-1], (3,), torchvision_keys=TORCHVISION_REGNET_KEYS
    )
for _name in ("w18_small", "w18", "w30", "w32", "w40", "w44", "w48", "w64"):
    # mmpretrain's HRNet classifier: the four branches fused into one 2048-channel map, then pooled
    _branches = tuple(int(_name[1:3]) * 2**i for i in range(4))
    ARCHITECTURES[f"hrnet_{_name}"] = Architecture(
        dict(type="HRNet", extra=_name),
        2048,
        (0, 1, 2, 3),
        neck=(dict(type="HRFuseScales", in_channels=_branches), *GAP_NECK),
    )
for _depth in (11, 13, 16, 19):
    ARCHITECTURES[f"vgg{_depth}"] = _arch(dict(type="VGG", depth=_depth), 512, out=4)


def list_models(pattern: str = "*", pretrained: bool = False) -> list[str]:
    """Names of the models matching the shell-style ``pattern``.

    With ``pretrained=False`` the architectures; with ``pretrained=True`` one
    ``architecture.tag`` per set of published weights (the default tag first).

    >>> list_models('hrnet_w1*')
    ['hrnet_w18', 'hrnet_w18_small']
    >>> list_models('resnet50_caffe*', pretrained=True)
    ['resnet50_caffe.detectron2', 'resnet50_caffe.detectron']
    """
    if not isinstance(pattern, str):
        raise TypeError(f"pattern must be a shell-style string such as 'resnet*', got {pattern!r}")
    if pretrained:
        return [name for name in all_weights() if fnmatch.fnmatchcase(name, pattern)]
    return sorted(name for name in ARCHITECTURES if fnmatch.fnmatchcase(name, pattern))


def split_model_name(name: str) -> tuple[str, str | None]:
    """``'resnet50.tv_in1k'`` to ``('resnet50', 'tv_in1k')``; an architecture alone has tag None.

    >>> split_model_name('regnetx_3.2gf'), split_model_name('regnetx_3.2gf.pycls')
    (('regnetx_3.2gf', None), ('regnetx_3.2gf', 'pycls'))
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a model name such as 'resnet50', got {type(name).__name__}: {name!r}")
    if name in ARCHITECTURES:
        return name, None
    arch, dot, tag = name.rpartition(".")
    if dot and arch in ARCHITECTURES:
        if tag not in tags_of(arch):
            raise ValueError(f"name={name!r}: {arch} has no weight tag {tag!r}; its tags: {_tag_text(arch)}")
        return arch, tag
    near = difflib.get_close_matches(name, list(ARCHITECTURES) + list(all_weights()), n=5, cutoff=0.6)
    hint = f" Closest: {', '.join(near)}." if near else ""
    raise ValueError(f"name={name!r}: not a known model (list_models() gives {len(ARCHITECTURES)}).{hint}")


def _tag_text(arch: str) -> str:
    tags = tags_of(arch)
    return ", ".join(tags) if tags else "none (no published weights)"


def _card_for_checkpoint(reference: str) -> WeightCard | None:
    return next((card for card in all_weights().values() if card.checkpoint == reference), None)


def _weights_source(arch: str, tag: str | None, pretrained: object) -> tuple[WeightCard | None, str | None]:
    """The card (if any) and the checkpoint reference that ``pretrained`` names."""
    if pretrained is None or pretrained is False:
        return None, None
    if pretrained is True:
        tags = tags_of(arch)
        if tag is None and not tags:
            raise ValueError(
                f"pretrained=True: {arch} has no published weights; give a checkpoint path or URL, "
                f"or pick a model from list_models(pretrained=True)"
            )
        card = get_weights(f"{arch}.{tag or tags[0]}")
        return card, card.checkpoint
    if isinstance(pretrained, os.PathLike):
        pretrained = os.fspath(pretrained)
    if not isinstance(pretrained, str) or not pretrained:
        raise TypeError(
            f"pretrained must be True/False, a weight tag, a catalog name, a path or a URL, got {pretrained!r}"
        )
    if pretrained in tags_of(arch):
        card = get_weights(f"{arch}.{pretrained}")
        return card, card.checkpoint
    if split_scheme(pretrained)[0] or os.path.exists(pretrained):
        return _card_for_checkpoint(pretrained), pretrained
    wanted = pretrained if pretrained in ARCHITECTURES else arch
    raise ValueError(
        f"pretrained={pretrained!r} is not a weight tag of {arch} (tags: {_tag_text(arch)}), not a catalog name "
        f"such as 'torchvision://resnet50' and not an existing file. For a pretrained {wanted}, "
        f"use create_model({wanted!r}, pretrained=True)."
    )


def _read_state_dict(reference: str, card: WeightCard | None) -> dict[str, torch.Tensor]:
    from cnn_zoo.checkpoint import (  # brings requests: only when loading
        read_checkpoint,
        revise_state_dict_keys,
        state_dict_from_checkpoint,
    )

    # A catalog name is resolved to its file first: the mmcls:// loader keeps only the backbone,
    # and a classifier wants the head too.
    location = resolve(reference) if split_scheme(reference)[0] and card is not None else reference
    checkpoint = read_checkpoint(location)
    return revise_state_dict_keys(state_dict_from_checkpoint(checkpoint))  # without DDP's ``module.``


def _detect_layout(state_dict: Mapping[str, torch.Tensor], architecture: Architecture) -> str:
    if any(key.startswith("backbone.") for key in state_dict):
        return "mmcls"
    head_key = "classifier.6.weight" if architecture.is_vgg else "fc.weight"
    return "torchvision" if head_key in state_dict else "backbone"


def to_classifier_keys(
    state_dict: Mapping[str, torch.Tensor], layout: str, architecture: Architecture
) -> dict[str, torch.Tensor]:
    """Rename a checkpoint's keys to `cnn_models.ImageClassifier`'s (``backbone.*``, ``head.*``).

    torchvision's ``fc.*`` becomes ``head.fc.*`` and every other key goes under
    ``backbone.`` (VGG keeps its classifier in the backbone), renamed first where
    torchvision's module tree is not ours (RegNet); mmcls keys are already ours;
    a backbone-only checkpoint goes under ``backbone.``.

    >>> sd = {'conv1.weight': 1, 'fc.weight': 2, 'fc.bias': 3}
    >>> sorted(to_classifier_keys(sd, 'torchvision', ARCHITECTURES['resnet18']))
    ['backbone.conv1.weight', 'head.fc.bias', 'head.fc.weight']
    >>> list(to_classifier_keys({'trunk_output.block2.block2-1.f.b.1.weight': 0}, 'torchvision',
    ...                         ARCHITECTURES['regnet_x_400mf']))
    ['backbone.layer2.1.bn2.weight']
    """
    from cnn_zoo.checkpoint import revise_state_dict_keys

    if layout == "mmcls":
        return dict(state_dict)
    if layout == "torchvision":
        state_dict = revise_state_dict_keys(state_dict, architecture.torchvision_keys)
    head = "fc." if layout == "torchvision" and not architecture.is_vgg else None
    return {("head." if head and key.startswith(head) else "backbone.") + key: v for key, v in state_dict.items()}


def _head_prefix(architecture: Architecture) -> str:
    return "backbone.classifier.6." if architecture.is_vgg else "head."


def _load(model: nn.Module, state_dict: dict[str, torch.Tensor], what: str) -> None:
    result = model.load_state_dict(state_dict, strict=False)
    if result.missing_keys or result.unexpected_keys:
        raise ValueError(
            f"{what} does not fit {type(model).__name__}: {len(result.missing_keys)} missing keys "
            f"({', '.join(result.missing_keys[:5])}), {len(result.unexpected_keys)} unexpected keys "
            f"({', '.join(result.unexpected_keys[:5])})"
        )


def _initialise(model: nn.Module) -> None:
    """The model's own initialisation; skipped on the meta device, where tensors hold no values."""
    if not any(p.is_meta for p in model.parameters()):
        model.init_weights()  # type: ignore[operator]


def _checked_num_classes(num_classes: object) -> int | None:
    if num_classes is None:
        return None
    if not isinstance(num_classes, int) or isinstance(num_classes, bool) or num_classes <= 0:
        raise ValueError(f"num_classes must be a positive int or None, got {num_classes!r}")
    return num_classes


def create_model(
    name: str,
    pretrained: bool | str | os.PathLike[str] = False,
    num_classes: int | None = None,
    out_indices: Sequence[int] | None = None,
    **overrides: Any,
) -> nn.Module:
    """Build a model by name: a classifier, or with ``out_indices`` the backbone alone.

    Args:
        name: An architecture (``'resnet50'``) or ``architecture.tag`` (``'resnet50.tv2_in1k'``);
            see `list_models`.
        pretrained: False for random weights; True for the tag in ``name`` or the default tag;
            a tag (``'mmcls_in1k'``); a catalog name (``'torchvision://resnet50'``); a path or URL.
            Checkpoints in torchvision's layout (``fc.*``) and mmcls's (``backbone.*``, ``head.*``)
            both load, with ``strict`` checking of every key.
        num_classes: Classes of the head. None keeps the checkpoint's (1000 without one). Any
            other number keeps the backbone's weights and initialises a new head (logged).
        out_indices: Return the backbone alone (a feature extractor), giving these stages' outputs.
        **overrides: Further backbone arguments (``frozen_stages=1``, ``norm_eval=True``, ...).

    Backbone-only weights (``resnet50_caffe.detectron2``, ``hrnet_w32.msra`` ...) are meant for
    feature extraction; built as a classifier, their head is new (a warning says so).
    """
    arch_name, tag = split_model_name(name)
    architecture = ARCHITECTURES[arch_name]
    num_classes = _checked_num_classes(num_classes)
    card, reference = _weights_source(arch_name, tag, pretrained)
    if card is not None and tag is not None and card.tag != tag:
        raise ValueError(f"name={name!r} names the tag {tag!r} but pretrained={pretrained!r} names {card.tag!r}")

    state_dict = _read_state_dict(reference, card) if reference is not None else None
    layout = None
    if state_dict is not None:
        layout = card.layout if card is not None else _detect_layout(state_dict, architecture)
        state_dict = to_classifier_keys(state_dict, layout, architecture)

    backbone = copy.deepcopy(architecture.backbone)
    backbone.update(overrides)
    if out_indices is not None:
        backbone["out_indices"] = tuple(out_indices)
        model: nn.Module = BACKBONES.build(backbone)
        _initialise(model)
        if state_dict is not None:
            features = {k[len("backbone.") :]: v for k, v in state_dict.items() if k.startswith("backbone.")}
            if architecture.is_vgg or layout == "backbone":
                wanted = model.state_dict().keys()
                features = {k: v for k, v in features.items() if k in wanted}
            _load(model, features, f"pretrained={reference!r}")
        return model

    head_key = "backbone.classifier.6.weight" if architecture.is_vgg else "head.fc.weight"
    checkpoint_classes = int(state_dict[head_key].shape[0]) if state_dict and head_key in state_dict else None
    classes = num_classes or checkpoint_classes or 1000
    backbone.setdefault("out_indices", architecture.classifier_out_indices)
    if architecture.is_vgg:
        backbone["num_classes"] = classes
        model = ImageClassifier(backbone=backbone, head=dict(type="ClsHead", topk=(1, 5)))
    else:
        head = dict(type="LinearClsHead", num_classes=classes, in_channels=architecture.head_channels, topk=(1, 5))
        neck = copy.deepcopy(list(architecture.neck))
        model = ImageClassifier(backbone=backbone, neck=neck[0] if len(neck) == 1 else neck, head=head)
    _initialise(model)
    if state_dict is None:
        return model
    if layout == "backbone":
        wanted = model.state_dict().keys()
        state_dict = {k: v for k, v in state_dict.items() if k in wanted}
    prefix = _head_prefix(architecture)
    if checkpoint_classes != classes:
        # the head is new; so is a neck with weights (HRNet's) that the checkpoint does not hold
        new_parts = (prefix,) if any(k.startswith("neck.") for k in state_dict) else (prefix, "neck.")
        state_dict = {k: v for k, v in state_dict.items() if not k.startswith(new_parts)}
        if checkpoint_classes is None:
            new_neck = any(k.startswith("neck.") for k in model.state_dict())
            _LOGGER.warning(
                "%s: %s holds backbone weights only; the %d-class head is newly initialised%s "
                "(for features, pass out_indices)",
                arch_name,
                reference,
                classes,
                ", and so is the neck" if new_neck else "",
            )
        else:
            _LOGGER.info(
                "%s: backbone weights from %s; new %d-class head (the checkpoint's has %d classes)",
                arch_name,
                reference,
                classes,
                checkpoint_classes,
            )
        # the new parts keep their initial values; every other key must still fit
        state_dict.update((k, v) for k, v in model.state_dict().items() if k.startswith(new_parts))
    _load(model, state_dict, f"pretrained={reference!r}")
    return model

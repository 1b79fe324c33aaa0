"""``WeightCard``: what one set of published weights is, where it comes from and how to feed it.

The cards live in ``cards.json`` beside this file. Their facts (URLs, accuracies,
resize/crop, mean/std) are the publishers' own: torchvision's weight enums,
mmpretrain's metafiles and configs, mmdetection's configs for the backbone-only
checkpoints. ``params`` and ``gmacs`` are measured by `cnn_models.weights.measure`.
"""

from __future__ import annotations

import difflib
import fnmatch
import json
from dataclasses import dataclass, fields
from functools import cache
from importlib import resources
from typing import Any

from ..transforms import ImageTransform

#: How a checkpoint's keys relate to `cnn_models.ImageClassifier`'s.
LAYOUTS = ("torchvision", "mmcls", "backbone")


@dataclass(frozen=True)
class WeightCard:
    """One tag of pretrained weights: ``architecture.tag``.

    ``layout`` says how the checkpoint's keys map onto our model:
    ``'torchvision'`` (``fc.*`` is the head, the rest the backbone),
    ``'mmcls'`` (``backbone.*`` and ``head.*`` already), or ``'backbone'``
    (backbone weights only, no classifier: ``num_classes`` and the accuracies are None).

    >>> card = get_weights('resnet50.tv_in1k')
    >>> card.checkpoint, card.sha256, card.top1
    ('torchvision://resnet50', '0676ba61', 76.13)
    >>> card.transforms()
    ImageTransform(resize_size=256, crop_size=224, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225), \
pixel_range=1.0, channel_order='RGB', interpolation='bilinear')
    """

    name: str
    architecture: str
    tag: str
    publisher: str
    checkpoint: str
    url: str
    sha256: str
    layout: str
    num_classes: int | None
    input_size: tuple[int, int, int]
    resize_size: int | None
    crop_size: int | None
    interpolation: str
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    pixel_range: float
    channel_order: str
    preprocessing_source: str
    top1: float | None
    top5: float | None
    metrics_source: str | None
    params: int
    gmacs: float
    license: str

    @property
    def is_classifier(self) -> bool:
        """Whether the checkpoint holds a classification head."""
        return self.layout != "backbone"

    def transforms(self) -> ImageTransform:
        """The preprocessing these weights expect, on tensors (uint8 0-255 or float 0-1, RGB).

        Backbone-only weights have no resize or crop (detection pipelines size
        images themselves): only the channel order and the normalisation.
        """
        return ImageTransform(
            resize_size=self.resize_size,
            crop_size=self.crop_size,
            mean=self.mean,
            std=self.std,
            pixel_range=self.pixel_range,
            channel_order=self.channel_order,
            interpolation=self.interpolation,
        )

    def to_dict(self) -> dict[str, Any]:
        """The card as plain data (as stored in ``cards.json``)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}


def _card(data: dict[str, Any]) -> WeightCard:
    data = dict(data)
    for key in ("input_size", "mean", "std"):
        data[key] = tuple(data[key])
    return WeightCard(**data)


@cache
def all_weights() -> dict[str, WeightCard]:
    """Every card, by ``architecture.tag``, in the order of ``cards.json`` (default tag first)."""
    text = (resources.files("cnn_models.weights") / "cards.json").read_text(encoding="utf-8")
    return {item["name"]: _card(item) for item in json.loads(text)}


def list_weights(pattern: str = "*") -> list[str]:
    """Names (``architecture.tag``) of the cards matching the shell-style ``pattern``.

    >>> list_weights('resnet50.*')
    ['resnet50.tv_in1k', 'resnet50.tv2_in1k', 'resnet50.mmcls_in1k']
    """
    return [name for name in all_weights() if fnmatch.fnmatchcase(name, pattern)]


def tags_of(architecture: str) -> list[str]:
    """The weight tags of ``architecture``, the default first.

    >>> tags_of('resnet50_caffe')
    ['detectron2', 'detectron']
    """
    return [card.tag for card in all_weights().values() if card.architecture == architecture]


def get_weights(name: str) -> WeightCard:
    """The card of ``name``: ``'architecture.tag'``, or an architecture alone for its default tag.

    Raises:
        KeyError: no such card; the message lists the closest names.

    >>> get_weights('resnet50_caffe').channel_order
    'BGR'
    """
    if not isinstance(name, str):
        raise TypeError(f"name must be a string such as 'resnet50.tv_in1k', got {type(name).__name__}: {name!r}")
    cards = all_weights()
    if name in cards:
        return cards[name]
    tags = tags_of(name)
    if tags:
        return cards[f"{name}.{tags[0]}"]
    near = difflib.get_close_matches(name, list(cards), n=5, cutoff=0.5)
    hint = f"; closest: {', '.join(near)}" if near else ""
    raise KeyError(f"name={name!r}: no weight card of that name ({len(cards)} cards, see list_weights()){hint}")

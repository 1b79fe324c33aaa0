"""The shipped torchvision catalog against torchvision itself (runs in `nox -s peers`)."""

from __future__ import annotations

import pytest

from cnn_zoo import load_catalog, resolve

pytestmark = pytest.mark.peer


def test_every_weights_enum_member_resolves_to_torchvisions_url():
    models = pytest.importorskip("torchvision.models")
    checked = 0
    for model in models.list_models(models):
        weights = models.get_model_weights(model)
        stem = weights.__name__.removesuffix("_Weights").lower()
        assert resolve(f"torchvision://{stem}.default") == weights.DEFAULT.url
        for member in weights:
            assert resolve(f"torchvision://{stem}.{member.name.lower()}") == member.url
            checked += 1
    assert checked > 100


def test_legacy_names_match_the_v1_weights():
    models = pytest.importorskip("torchvision.models")
    catalog = load_catalog("torchvision")
    assert catalog["resnet50"] == models.ResNet50_Weights.IMAGENET1K_V1.url
    assert catalog["vgg16_bn"] == models.VGG16_BN_Weights.IMAGENET1K_V1.url
    assert catalog["mobilenet_v2"] == models.MobileNet_V2_Weights.IMAGENET1K_V1.url

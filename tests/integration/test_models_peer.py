"""Against torchvision: a ResNet classifier built from a config computes what torchvision's model computes."""

from __future__ import annotations

import pytest
import torch

from cnn_models import build_model
from cnn_models.presets import get_preset


@pytest.mark.peer
@pytest.mark.parametrize(("preset", "factory"), [("resnet18", "resnet18"), ("resnet50", "resnet50")])
def test_classifier_equals_torchvision_with_its_weights(preset, factory):
    import torchvision

    torch.manual_seed(0)
    theirs = getattr(torchvision.models, factory)(weights=None).eval()
    ours = build_model(get_preset(preset)).eval()
    mapped = {(f"head.{k}" if k.startswith("fc.") else f"backbone.{k}"): v for k, v in theirs.state_dict().items()}
    ours.load_state_dict(mapped, strict=True)
    x = torch.randn(2, 3, 64, 64)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), theirs(x), rtol=1e-4, atol=1e-5)
        torch.testing.assert_close(ours(x, mode="predict")["scores"], theirs(x).softmax(dim=1), rtol=1e-4, atol=1e-6)

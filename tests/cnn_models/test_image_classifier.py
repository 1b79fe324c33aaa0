"""ImageClassifier and build_model on a tiny backbone registered by the conftest."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F

from cnn_models import MODELS, ImageClassifier, build_model


def test_model_cfg_without_type_builds_an_image_classifier(tiny_model_cfg):
    before = copy.deepcopy(tiny_model_cfg)
    model = build_model(tiny_model_cfg)
    assert tiny_model_cfg == before
    assert isinstance(model, ImageClassifier)
    assert MODELS.get("ImageClassifier") is ImageClassifier
    assert model.with_neck and model.with_head


def test_three_modes_agree(tiny_model_cfg):
    torch.manual_seed(0)
    model = build_model(tiny_model_cfg).eval()
    x, y = torch.randn(4, 3, 8, 8), torch.tensor([0, 1, 2, 1])
    scores = model(x)
    assert scores.shape == (4, 3)
    losses = model(x, y, mode="loss")
    torch.testing.assert_close(losses["loss"], F.cross_entropy(scores, y))
    assert set(losses) == {"loss", "accuracy"} and set(losses["accuracy"]) == {"top-1", "top-2"}
    pred = model(x, mode="predict")
    torch.testing.assert_close(pred["scores"], scores.softmax(dim=1))
    assert torch.equal(pred["labels"], scores.argmax(dim=1))


def test_extract_feat_is_backbone_then_neck(tiny_model_cfg):
    model = build_model(tiny_model_cfg).eval()
    x = torch.randn(2, 3, 8, 8)
    (feat,) = model.extract_feat(x)
    torch.testing.assert_close(feat, model.backbone(x)[-1].mean(dim=(2, 3)))


def test_without_neck_and_head_forward_returns_backbone_features(tiny_model_cfg):
    model = build_model(dict(backbone=tiny_model_cfg["backbone"]))
    out = model(torch.randn(1, 3, 8, 8))
    assert isinstance(out, tuple) and out[0].shape == (1, 8, 2, 2)
    with pytest.raises(ValueError, match="mode='predict' needs a head"):
        model(torch.randn(1, 3, 8, 8), mode="predict")


def test_a_training_step_lowers_the_loss(tiny_model_cfg):
    torch.manual_seed(0)
    model = build_model(tiny_model_cfg)
    x, y = torch.randn(8, 3, 8, 8), torch.randint(0, 3, (8,))
    optim = torch.optim.SGD(model.parameters(), lr=0.5)
    first = None
    for _ in range(20):
        loss = model(x, y, mode="loss")["loss"]
        first = loss.item() if first is None else first
        optim.zero_grad()
        loss.backward()
        optim.step()
    assert loss.item() < 0.5 * first


def test_bad_arguments(tiny_model_cfg):
    model = build_model(tiny_model_cfg)
    x = torch.randn(1, 3, 8, 8)
    with pytest.raises(ValueError, match=r"mode must be one of \('tensor', 'loss', 'predict'\), got 'train'"):
        model(x, mode="train")
    with pytest.raises(ValueError, match="mode='loss' needs targets"):
        model(x, mode="loss")
    with pytest.raises(TypeError, match="inputs must be a tensor of images"):
        model.extract_feat([x])
    with pytest.raises(TypeError, match="backbone must be a config dict such as dict"):
        ImageClassifier(backbone="ResNet")
    with pytest.raises(TypeError, match="neck must be a config dict or a list of them or None"):
        ImageClassifier(backbone=tiny_model_cfg["backbone"], neck="GAP")


def test_build_model_errors_name_the_problem(tiny_model_cfg):
    from cnn_registry import UnknownTypeError

    with pytest.raises(TypeError, match="cfg must be a mapping"):
        build_model("resnet50")
    with pytest.raises(UnknownTypeError, match="'ResNett' is not in the 'backbones' registry"):
        build_model({**tiny_model_cfg, "backbone": dict(type="ResNett", depth=50)})
    with pytest.raises(ValueError, match="num_classes=0 must be a positive integer"):
        build_model({**tiny_model_cfg, "head": dict(type="LinearClsHead", num_classes=0, in_channels=8)})


def test_wrong_targets_in_loss_mode(tiny_model_cfg):
    model = build_model(tiny_model_cfg)
    x = torch.randn(2, 3, 8, 8)
    with pytest.raises(ValueError, match=r"class-index target must have shape \(2,\)"):
        model(x, torch.tensor([0, 1, 2]), mode="loss")
    with pytest.raises(ValueError, match=r"class indices outside \[0, 3\)"):
        model(x, torch.tensor([0, 5]), mode="loss")

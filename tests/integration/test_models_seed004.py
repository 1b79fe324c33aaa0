"""Seed 004: its exact model_cfg builds, trains a step and predicts; its L1Loss and ResNet_CIFAR recipes work."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F

from cnn_models import LOSSES, ImageClassifier, build_model, weighted_loss
from cnn_models.presets import get_preset
from cnn_models.tools.summary import summarize

# seed 004, word for word
model_cfg = dict(
    backbone=dict(type="ResNet", depth=50, num_stages=4, out_indices=(3,), style="pytorch"),
    neck=dict(type="GlobalAveragePooling"),
    head=dict(
        type="LinearClsHead",
        num_classes=1000,
        in_channels=2048,
        loss=dict(type="CrossEntropyLoss", loss_weight=1.0),
        topk=(1, 5),
    ),
)


def test_seed_model_cfg_builds_trains_a_step_and_predicts():
    torch.manual_seed(0)
    before = copy.deepcopy(model_cfg)
    model = build_model(model_cfg)
    assert model_cfg == before
    assert isinstance(model, ImageClassifier)
    model.init_weights()
    x, y = torch.randn(2, 3, 64, 64), torch.tensor([3, 997])
    losses = model(x, y, mode="loss")
    assert set(losses) == {"loss", "accuracy"} and set(losses["accuracy"]) == {"top-1", "top-5"}
    # a fresh head (N(0, 0.01)) gives nearly uniform scores: loss close to log(1000)
    assert losses["loss"].item() == pytest.approx(torch.log(torch.tensor(1000.0)).item(), rel=0.02)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
    losses["loss"].backward()
    assert model.head.fc.weight.grad is not None and model.backbone.conv1.weight.grad.abs().sum() > 0
    optimizer.step()
    model.eval()
    pred = model(x, mode="predict")
    assert pred["scores"].shape == (2, 1000) and pred["labels"].shape == (2,)
    torch.testing.assert_close(pred["scores"].sum(dim=1), torch.ones(2))
    torch.testing.assert_close(pred["scores"], F.softmax(model(x), dim=1))


def test_seed_model_cfg_is_the_resnet50_preset_and_counts_match_torchvision_figures():
    assert get_preset("resnet50") == model_cfg
    summary = summarize(build_model(model_cfg), (3, 224, 224))
    assert summary.total_params == 25_557_032  # torchvision's resnet50: 25,557,032 parameters
    assert summary.total_flops // 2 == pytest.approx(4.09e9, rel=0.01)  # 4.09 GMACs, as torchvision publishes


def test_resnet18_cifar_macs_by_hand():
    summary = summarize(build_model(get_preset("resnet18_cifar")), (3, 32, 32))
    conv = lambda k, cin, cout, hw: k * k * cin * cout * hw * hw  # noqa: E731
    macs = conv(3, 3, 64, 32)
    for cin, cout, hw in ((64, 64, 32), (64, 128, 16), (128, 256, 8), (256, 512, 4)):
        macs += conv(3, cin, cout, hw) + 3 * conv(3, cout, cout, hw)  # first conv of each stage, then three more
        macs += conv(1, cin, cout, hw) if cin != cout else 0  # the downsample shortcut
    macs += 512 * 10  # the head
    assert summary.total_flops == 2 * macs


def test_seed_l1_loss_recipe_registers_and_is_used_by_name():
    @weighted_loss
    def seed_l1_loss(pred, target):
        assert pred.size() == target.size() and target.numel() > 0
        return torch.abs(pred - target)

    class SeedL1Loss(torch.nn.Module):
        def __init__(self, reduction="mean", loss_weight=1.0):
            super().__init__()
            self.reduction = reduction
            self.loss_weight = loss_weight

        def forward(self, pred, target, weight=None, avg_factor=None, reduction_override=None):
            reduction = reduction_override if reduction_override else self.reduction
            return self.loss_weight * seed_l1_loss(pred, target, weight, reduction=reduction, avg_factor=avg_factor)

    with LOSSES.temporary_registrations():  # registered for this test only
        LOSSES.register_module(name="SeedL1Loss", module=SeedL1Loss)
        cfg = copy.deepcopy(model_cfg)
        cfg["backbone"] = dict(type="ResNet_CIFAR", depth=18, base_channels=4)
        cfg["head"] = dict(
            type="LinearClsHead", num_classes=3, in_channels=32, loss=dict(type="SeedL1Loss", loss_weight=1.0)
        )
        model = build_model(cfg).eval()
        x, soft = torch.randn(2, 3, 16, 16), torch.tensor([[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]])
        loss = model(x, soft, mode="loss")["loss"]
        torch.testing.assert_close(loss, (model(x) - soft).abs().mean())
    assert "SeedL1Loss" not in LOSSES

"""The classifier's training step compiles as one graph: no host sync, no graph break in the loss."""

from __future__ import annotations

import pytest
import torch

from cnn_models import CrossEntropyLoss, build_model


@pytest.fixture
def model(tiny_model_cfg):
    cfg = dict(tiny_model_cfg)
    cfg["head"] = dict(cfg["head"], loss=dict(type="CrossEntropyLoss", class_weight=[1.0, 2.0, 0.5]))
    return build_model(cfg)


def test_loss_mode_compiles_with_fullgraph_and_matches_eager(model):
    torch._dynamo.reset()
    images, labels = torch.randn(4, 3, 16, 16), torch.tensor([0, 2, 1, 2])
    model.eval()  # same batch-norm statistics in both runs
    expected = model(images, labels, mode="loss")
    compiled = torch.compile(lambda x, y: model(x, y, mode="loss"), backend="eager", fullgraph=True)
    got = compiled(images, labels)
    torch.testing.assert_close(got["loss"], expected["loss"])
    torch.testing.assert_close(got["accuracy"]["top-1"], expected["accuracy"]["top-1"])


def test_loss_mode_has_zero_graph_breaks(model):
    torch._dynamo.reset()
    explanation = torch._dynamo.explain(lambda x, y: model(x, y, mode="loss"))(
        torch.randn(2, 3, 16, 16), torch.tensor([0, 1])
    )
    assert explanation.graph_break_count == 0, explanation.break_reasons
    assert explanation.graph_count == 1


def test_cross_entropy_and_sigmoid_compile_with_fullgraph():
    torch._dynamo.reset()
    pred = torch.randn(3, 4)
    for loss, target in (
        (CrossEntropyLoss(), torch.tensor([0, 3, 1])),
        (CrossEntropyLoss(use_sigmoid=True), torch.tensor([0, 3, 1])),
    ):
        torch.testing.assert_close(
            torch.compile(loss, backend="eager", fullgraph=True)(pred, target), loss(pred, target)
        )

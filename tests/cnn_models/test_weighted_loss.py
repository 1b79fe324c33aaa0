"""weighted_loss, weight_reduce_loss and reduce_loss against hand-computed values."""

from __future__ import annotations

import pytest
import torch

from cnn_models import reduce_loss, weight_reduce_loss, weighted_loss


@weighted_loss
def squared(pred, target, scale=1.0):
    return scale * (pred - target) ** 2


PRED = torch.tensor([1.0, 2.0, 3.0, 4.0])
TARGET = torch.zeros(4)
WEIGHT = torch.tensor([1.0, 0.0, 2.0, 0.5])  # weighted squares: 1, 0, 18, 8


def test_reduce_loss_three_modes():
    loss = torch.tensor([1.0, 2.0, 6.0])
    assert reduce_loss(loss, "none") is loss
    assert reduce_loss(loss, "sum").item() == 9.0
    assert reduce_loss(loss, "mean").item() == 3.0


def test_reduce_loss_rejects_unknown_reduction():
    with pytest.raises(ValueError, match=r"reduction must be one of .*'avg'"):
        reduce_loss(torch.ones(2), "avg")


def test_default_is_unweighted_mean():
    assert squared(PRED, TARGET).item() == pytest.approx((1 + 4 + 9 + 16) / 4)


def test_elementwise_weight_with_each_reduction():
    assert squared(PRED, TARGET, WEIGHT, reduction="none").tolist() == [1.0, 0.0, 18.0, 8.0]
    assert squared(PRED, TARGET, WEIGHT, reduction="sum").item() == 27.0
    assert squared(PRED, TARGET, WEIGHT, reduction="mean").item() == pytest.approx(27.0 / 4)


def test_avg_factor_divides_the_weighted_sum():
    assert squared(PRED, TARGET, WEIGHT, avg_factor=3).item() == pytest.approx(9.0)
    assert squared(PRED, TARGET, avg_factor=torch.tensor(10.0)).item() == pytest.approx(3.0)


def test_avg_factor_is_ignored_by_none_and_rejected_by_sum():
    assert squared(PRED, TARGET, WEIGHT, reduction="none", avg_factor=3).tolist() == [1.0, 0.0, 18.0, 8.0]
    with pytest.raises(ValueError, match=r"avg_factor=3 cannot be used with reduction='sum'"):
        squared(PRED, TARGET, WEIGHT, reduction="sum", avg_factor=3)


def test_extra_keyword_arguments_reach_the_loss_function():
    assert squared(PRED, TARGET, reduction="sum", scale=0.5).item() == 15.0


def test_weight_broadcasts_over_columns():
    pred = torch.ones(2, 3)
    loss = weight_reduce_loss(pred, torch.tensor([[2.0], [0.0]]), "sum")
    assert loss.item() == 6.0


def test_weight_of_wrong_shape_is_a_value_error():
    with pytest.raises(ValueError, match=r"weight of shape \(3,\) does not broadcast to the loss of shape \(4,\)"):
        squared(PRED, TARGET, torch.ones(3))


def test_weight_must_be_a_tensor():
    with pytest.raises(TypeError, match="weight must be a tensor or None, got list"):
        weight_reduce_loss(PRED, [1.0, 1.0, 1.0, 1.0])


def test_decorator_keeps_name_and_doc():
    assert squared.__name__ == "squared"


def test_gradient_flows_through_weights():
    pred = PRED.clone().requires_grad_()
    squared(pred, TARGET, WEIGHT, reduction="sum").backward()
    assert pred.grad.tolist() == [2.0, 0.0, 12.0, 4.0]  # 2 * w * pred

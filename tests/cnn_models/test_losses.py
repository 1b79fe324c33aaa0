"""Every loss against hand-computed values and torch.nn.functional."""

from __future__ import annotations

import copy
import math

import pytest
import torch
import torch.nn.functional as F

from cnn_models import LOSSES, CrossEntropyLoss, FocalLoss, L1Loss, MSELoss, build_loss, l1_loss, mse_loss

torch.manual_seed(0)
LOGITS = torch.randn(6, 4)
LABELS = torch.tensor([0, 3, 1, 2, 3, 0])


# ---------------------------------------------------------------- L1 / MSE
def test_l1_loss_by_hand():
    pred, target = torch.tensor([1.0, -2.0, 0.5]), torch.tensor([0.0, 1.0, 0.5])
    assert l1_loss(pred, target).item() == pytest.approx(4.0 / 3)
    assert L1Loss(reduction="sum", loss_weight=2.0)(pred, target).item() == pytest.approx(8.0)


def test_l1_and_mse_match_torch():
    pred, target = torch.randn(3, 5), torch.randn(3, 5)
    for ours, theirs in ((L1Loss(), F.l1_loss), (MSELoss(), F.mse_loss)):
        for reduction in ("none", "mean", "sum"):
            torch.testing.assert_close(
                ours(pred, target, reduction_override=reduction), theirs(pred, target, reduction=reduction)
            )


def test_mse_loss_weight_and_avg_factor_by_hand():
    pred, target = torch.tensor([1.0, 2.0, 3.0]), torch.zeros(3)
    assert mse_loss(pred, target, torch.tensor([1.0, 1.0, 0.0]), avg_factor=2).item() == pytest.approx(2.5)
    assert MSELoss(loss_weight=3.0)(pred, target, torch.tensor([0.0, 0.0, 1.0]), reduction_override="sum").item() == 27


def test_shape_mismatch_is_a_value_error():
    with pytest.raises(ValueError, match=r"same shape, got pred \(2,\) and target \(3,\)"):
        L1Loss()(torch.zeros(2), torch.zeros(3))


def test_reduction_override_is_validated():
    with pytest.raises(ValueError, match=r"reduction_override must be one of .*'max'"):
        MSELoss()(torch.zeros(2), torch.zeros(2), reduction_override="max")
    with pytest.raises(ValueError, match=r"reduction must be one of .*'avg'"):
        L1Loss(reduction="avg")


# ---------------------------------------------------------------- cross entropy
def test_cross_entropy_uniform_logits_is_log_num_classes():
    loss = CrossEntropyLoss()(torch.zeros(3, 5), torch.tensor([0, 1, 4]))
    assert loss.item() == pytest.approx(math.log(5))


def test_cross_entropy_by_hand():
    logits = torch.tensor([[2.0, 0.0, -1.0]])
    expected = -(2.0 - math.log(math.exp(2.0) + 1.0 + math.exp(-1.0)))
    assert CrossEntropyLoss()(logits, torch.tensor([0])).item() == pytest.approx(expected, rel=1e-6)


def test_cross_entropy_matches_torch_in_every_reduction():
    loss = CrossEntropyLoss()
    for reduction in ("none", "mean", "sum"):
        torch.testing.assert_close(
            loss(LOGITS, LABELS, reduction_override=reduction), F.cross_entropy(LOGITS, LABELS, reduction=reduction)
        )


def test_cross_entropy_sample_weight_and_loss_weight():
    weight = torch.tensor([1.0, 0.0, 2.0, 1.0, 0.0, 1.0])
    per_sample = F.cross_entropy(LOGITS, LABELS, reduction="none")
    got = CrossEntropyLoss(loss_weight=0.5)(LOGITS, LABELS, weight=weight, avg_factor=weight.sum())
    torch.testing.assert_close(got, 0.5 * (per_sample * weight).sum() / weight.sum())


def test_class_weight_scales_each_sample_by_its_class():
    class_weight = [1.0, 2.0, 0.5, 3.0]
    per_sample = F.cross_entropy(LOGITS, LABELS, reduction="none")
    expected = (per_sample * torch.tensor(class_weight)[LABELS]).mean()  # mean over samples
    torch.testing.assert_close(CrossEntropyLoss(class_weight=class_weight)(LOGITS, LABELS), expected)


def test_label_smoothing_by_hand():
    eps, logits = 0.1, torch.tensor([[1.0, 0.0]])
    logp = F.log_softmax(logits, dim=1)[0]
    expected = -((1 - eps + eps / 2) * logp[0] + (eps / 2) * logp[1])
    got = CrossEntropyLoss(label_smoothing=eps)(logits, torch.tensor([0]))
    assert got.item() == pytest.approx(expected.item(), rel=1e-6)


def test_soft_labels_by_hand_and_equal_to_hard_for_one_hot():
    soft = torch.tensor([[0.25, 0.75]])
    logits = torch.tensor([[0.5, -0.5]])
    logp = F.log_softmax(logits, dim=1)[0]
    expected = -(0.25 * logp[0] + 0.75 * logp[1])
    assert CrossEntropyLoss(use_soft=True)(logits, soft).item() == pytest.approx(expected.item(), rel=1e-6)
    one_hot = F.one_hot(LABELS, 4).float()
    torch.testing.assert_close(CrossEntropyLoss()(LOGITS, one_hot), CrossEntropyLoss()(LOGITS, LABELS))


def test_use_soft_rejects_class_indices():
    with pytest.raises(ValueError, match="use_soft=True expects float class probabilities"):
        CrossEntropyLoss(use_soft=True)(LOGITS, LABELS)


def test_sigmoid_matches_torch_bce_with_one_hot_targets():
    expected = F.binary_cross_entropy_with_logits(LOGITS, F.one_hot(LABELS, 4).float())
    torch.testing.assert_close(CrossEntropyLoss(use_sigmoid=True)(LOGITS, LABELS), expected)


def test_sigmoid_with_pos_weight_class_weight_and_sample_weight():
    target = (torch.rand(6, 4) > 0.5).float()
    pos_weight, class_weight = [2.0, 1.0, 1.0, 0.5], [1.0, 0.0, 1.0, 1.0]
    weight = torch.tensor([1.0, 1.0, 0.0, 1.0, 2.0, 1.0])
    raw = F.binary_cross_entropy_with_logits(
        LOGITS, target, weight=torch.tensor(class_weight), pos_weight=torch.tensor(pos_weight), reduction="none"
    )
    expected = (raw * weight[:, None]).sum()
    got = CrossEntropyLoss(use_sigmoid=True, pos_weight=pos_weight, class_weight=class_weight, reduction="sum")(
        LOGITS, target, weight=weight
    )
    torch.testing.assert_close(got, expected)


def test_sigmoid_label_smoothing_moves_targets_towards_the_other_side():
    eps = 0.2
    got = CrossEntropyLoss(use_sigmoid=True, label_smoothing=eps)(LOGITS, LABELS)
    smooth = F.one_hot(LABELS, 4).float() * (1 - 2 * eps) + eps
    torch.testing.assert_close(got, F.binary_cross_entropy_with_logits(LOGITS, smooth))


def test_cross_entropy_bad_input_messages():
    with pytest.raises(ValueError, match=r"class indices outside \[0, 4\): min 0, max 7"):
        CrossEntropyLoss()(LOGITS, torch.tensor([0, 7, 1, 2, 3, 0]))
    with pytest.raises(ValueError, match=r"class-index target must have shape \(6,\)"):
        CrossEntropyLoss()(LOGITS, LABELS[:3])
    with pytest.raises(ValueError, match="class_weight has 2 values but pred has 4 classes"):
        CrossEntropyLoss(class_weight=[1.0, 2.0])(LOGITS, LABELS)
    with pytest.raises(ValueError, match=r"label_smoothing must be a number in \[0, 1\), got 1.5"):
        CrossEntropyLoss(label_smoothing=1.5)
    with pytest.raises(ValueError, match="pos_weight=.* needs use_sigmoid=True"):
        CrossEntropyLoss(pos_weight=[1.0])
    with pytest.raises(TypeError, match="class_weight must be a non-empty sequence"):
        CrossEntropyLoss(class_weight="balanced")
    with pytest.raises(ValueError, match="weight of shape .* must have one value per sample"):
        CrossEntropyLoss(use_sigmoid=True)(LOGITS, LABELS, weight=torch.ones(5))


# ---------------------------------------------------------------- focal
def test_focal_loss_by_hand():
    # one positive with logit 0: p = 0.5, 0.25 * (1 - 0.5)^2 * log 2
    assert FocalLoss()(torch.zeros(1, 1), torch.ones(1, 1)).item() == pytest.approx(0.25 * 0.25 * math.log(2))
    # one negative with logit 2: p = sigmoid(2), 0.75 * p^2 * -log(1 - p)
    p = 1 / (1 + math.exp(-2.0))
    expected = 0.75 * p**2 * -math.log(1 - p)
    assert FocalLoss()(torch.full((1, 1), 2.0), torch.zeros(1, 1)).item() == pytest.approx(expected, rel=1e-6)


def test_focal_loss_with_gamma_zero_is_alpha_weighted_bce():
    target = F.one_hot(LABELS, 4).float()
    alpha_t = 0.25 * target + 0.75 * (1 - target)
    expected = (alpha_t * F.binary_cross_entropy_with_logits(LOGITS, target, reduction="none")).mean()
    torch.testing.assert_close(FocalLoss(gamma=0.0)(LOGITS, LABELS), expected)


def test_focal_loss_down_weights_easy_examples():
    easy, hard = torch.tensor([[4.0]]), torch.tensor([[-4.0]])
    target = torch.ones(1, 1)
    ratio_bce = F.binary_cross_entropy_with_logits(hard, target) / F.binary_cross_entropy_with_logits(easy, target)
    ratio_focal = FocalLoss()(hard, target) / FocalLoss()(easy, target)
    assert ratio_focal > 100 * ratio_bce


@pytest.mark.peer
def test_focal_loss_matches_torchvision():
    from torchvision.ops import sigmoid_focal_loss as tv_focal

    target = F.one_hot(LABELS, 4).float()
    for reduction in ("none", "mean", "sum"):
        torch.testing.assert_close(
            FocalLoss(gamma=1.5, alpha=0.3, reduction=reduction)(LOGITS, target),
            tv_focal(LOGITS, target, alpha=0.3, gamma=1.5, reduction=reduction),
        )


@pytest.mark.peer
def test_focal_loss_takes_float_class_indices_as_mmpretrain():
    losses = pytest.importorskip("mmpretrain.models.losses")
    target = LABELS.float()  # torch.Tensor([...]): class indices in a float tensor
    for reduction in ("none", "mean", "sum"):
        theirs = losses.FocalLoss(gamma=1.5, alpha=0.3, reduction=reduction)(LOGITS, target)
        torch.testing.assert_close(FocalLoss(gamma=1.5, alpha=0.3, reduction=reduction)(LOGITS, target), theirs)


def test_focal_loss_validates_arguments():
    with pytest.raises(ValueError, match="gamma must be a number >= 0, got -1"):
        FocalLoss(gamma=-1)
    with pytest.raises(ValueError, match=r"alpha must be a number in \[0, 1\], got 2"):
        FocalLoss(alpha=2)


# ---------------------------------------------------------------- registry
@pytest.mark.parametrize("name", ["CrossEntropyLoss", "L1Loss", "MSELoss", "FocalLoss"])
def test_every_loss_is_registered_with_a_loss_weight(name):
    cfg = dict(type=name, loss_weight=2.0)
    before = copy.deepcopy(cfg)
    loss = build_loss(cfg)
    assert cfg == before
    assert type(loss) is LOSSES.get(name)
    assert loss.loss_weight == 2.0


@pytest.mark.parametrize(
    ("cfg", "pred", "target"),
    [
        (dict(type="CrossEntropyLoss"), LOGITS, LABELS),
        (dict(type="CrossEntropyLoss", use_sigmoid=True), LOGITS, LABELS),
        (dict(type="FocalLoss"), LOGITS, LABELS),
        (dict(type="L1Loss"), LOGITS, torch.zeros(6, 4)),
        (dict(type="MSELoss"), LOGITS, torch.zeros(6, 4)),
    ],
)
def test_loss_weight_scales_linearly(cfg, pred, target):
    one, three = build_loss(cfg), build_loss({**cfg, "loss_weight": 3.0})
    torch.testing.assert_close(three(pred, target), 3 * one(pred, target))


def test_class_and_pos_weights_are_buffers_that_follow_the_module_and_are_not_saved():
    loss = CrossEntropyLoss(use_sigmoid=True, class_weight=[1.0, 2.0], pos_weight=[3.0, 4.0])
    assert dict(loss.named_buffers()).keys() == {"class_weight", "pos_weight"}
    assert loss.state_dict() == {}  # state-dict keys of every model stay as they were
    assert loss.to(torch.float64).class_weight.dtype == torch.float64
    ce = CrossEntropyLoss(class_weight=[1.0, 2.0])
    assert ce.class_weight is ce.class_weight  # one tensor, not rebuilt per call
    assert ce(torch.zeros(2, 2, dtype=torch.float64), torch.tensor([0, 1])).dtype == torch.float64


@pytest.mark.parametrize("target", [torch.tensor([[1], [0]]), torch.tensor([1, 0])])
def test_focal_loss_takes_class_indices_as_n_or_n_by_1(target):
    pred = torch.tensor([[0.3, -1.0], [2.0, 0.5]])
    expected = FocalLoss()(pred, torch.tensor([[0.0, 1.0], [1.0, 0.0]]))
    torch.testing.assert_close(FocalLoss()(pred, target), expected)


@pytest.mark.parametrize("loss", [FocalLoss(), CrossEntropyLoss(use_sigmoid=True)], ids=["focal", "bce"])
@pytest.mark.parametrize("target", [torch.Tensor([1, 0]), torch.Tensor([[1], [0]]), torch.tensor([1.0, 0.0]).double()])
def test_class_indices_are_read_by_shape_whatever_their_dtype(loss, target):
    pred = torch.tensor([[0.3, -1.0], [2.0, 0.5]])
    torch.testing.assert_close(loss(pred, target), loss(pred, torch.tensor([1, 0])))


def test_float_class_indices_must_be_whole_numbers():
    with pytest.raises(ValueError, match=r"target of shape \(2,\) is read as class indices, but holds 0.5"):
        FocalLoss()(torch.zeros(2, 3), torch.Tensor([1, 0.5]))
    with pytest.raises(ValueError, match="holds nan, not a whole number"):
        FocalLoss()(torch.zeros(2, 3), torch.tensor([1.0, float("nan")]))
    with pytest.raises(ValueError, match=r"outside \[0, 3\): min 0, max 3"):
        FocalLoss()(torch.zeros(2, 3), torch.Tensor([0, 3]))
    with pytest.raises(ValueError, match="pred and target must have the same shape"):  # 3 labels for 2 samples
        FocalLoss()(torch.zeros(2, 3), torch.Tensor([0, 1, 2]))


def test_out_of_range_indices_are_refused_on_cpu_without_compile():
    with pytest.raises(ValueError, match=r"outside \[0, 2\): min 0, max 2"):
        CrossEntropyLoss()(torch.zeros(2, 2), torch.tensor([0, 2]))
    with pytest.raises(ValueError, match=r"outside \[0, 2\): min -1, max 0"):
        FocalLoss()(torch.zeros(2, 2), torch.tensor([0, -1]))

"""ClsHead, LinearClsHead, MultiLabelLinearClsHead: scores, losses, top-k accuracy and predictions."""

from __future__ import annotations

import copy

import pytest
import torch
import torch.nn.functional as F

from cnn_models import (
    ClsHead,
    LinearClsHead,
    MultiLabelClsHead,
    MultiLabelLinearClsHead,
    StackedLinearClsHead,
    build_head,
    build_model,
    topk_accuracy,
)

SCORES = torch.tensor(
    [
        [0.9, 0.05, 0.05, 0.0],  # best 0, then 1
        [0.1, 0.2, 0.6, 0.1],  # best 2, then 1
        [0.3, 0.4, 0.2, 0.1],  # best 1, then 0
        [0.25, 0.1, 0.3, 0.35],  # best 3, then 2
    ]
)


def test_topk_accuracy_by_hand():
    labels = torch.tensor([0, 1, 0, 0])  # ranks of the true class: 1, 2, 2, 3
    assert [a.item() for a in topk_accuracy(SCORES, labels, topk=(1, 2, 3, 4))] == [25.0, 75.0, 100.0, 100.0]


def test_topk_accuracy_accepts_soft_labels_and_int_topk():
    soft = F.one_hot(torch.tensor([0, 2, 1, 3]), 4).float()
    assert topk_accuracy(SCORES, soft, topk=1)[0].item() == 100.0


def test_topk_accuracy_bad_input():
    with pytest.raises(ValueError, match=r"topk=\(5,\) asks for more classes than pred has \(4\)"):
        topk_accuracy(SCORES, torch.zeros(4, dtype=torch.long), topk=(5,))
    with pytest.raises(ValueError, match="topk must hold positive ints, got"):
        topk_accuracy(SCORES, torch.zeros(4, dtype=torch.long), topk=(0,))
    with pytest.raises(TypeError, match="topk must be a positive int or a non-empty sequence"):
        topk_accuracy(SCORES, torch.zeros(4, dtype=torch.long), topk="1")
    with pytest.raises(ValueError, match=r"target must have shape \(4,\)"):
        topk_accuracy(SCORES, torch.zeros(3, dtype=torch.long))


def test_cls_head_loss_is_cross_entropy_plus_accuracies():
    head = ClsHead(topk=(1, 2))
    labels = torch.tensor([0, 1, 0, 0])
    out = head.loss(SCORES, labels)
    torch.testing.assert_close(out["loss"], F.cross_entropy(SCORES, labels))
    assert out["accuracy"]["top-1"].item() == 25.0
    assert out["accuracy"]["top-2"].item() == 75.0


def test_cls_head_passes_the_last_stage_and_cal_acc_off():
    head = ClsHead(cal_acc=False)
    assert head((torch.zeros(1, 2), SCORES)) is SCORES
    assert list(head.forward_train((SCORES,), torch.tensor([0, 2, 1, 3]))) == ["loss"]


def test_linear_head_computes_fc_of_the_last_feature():
    head = LinearClsHead(num_classes=3, in_channels=5)
    x = torch.randn(2, 5)
    torch.testing.assert_close(head((torch.randn(2, 7), x)), x @ head.fc.weight.T + head.fc.bias)


def test_linear_head_init_is_normal_001_and_zero_bias():
    head = LinearClsHead(num_classes=1000, in_channels=512)
    assert head.fc.weight.std().item() == pytest.approx(0.01, rel=0.02)
    assert head.fc.weight.mean().abs().item() < 1e-3
    assert torch.all(head.fc.bias == 0)


def test_linear_head_predict_is_softmax_and_argmax():
    head = LinearClsHead(num_classes=4, in_channels=4)
    with torch.no_grad():
        head.fc.weight.copy_(torch.eye(4))
        head.fc.bias.zero_()
    out = head.predict(SCORES)
    torch.testing.assert_close(out["scores"], SCORES.softmax(dim=1))
    assert out["labels"].tolist() == [0, 2, 1, 3]


def test_linear_head_loss_with_custom_loss_config():
    head = LinearClsHead(
        num_classes=4, in_channels=4, loss=dict(type="CrossEntropyLoss", loss_weight=0.5, label_smoothing=0.1)
    )
    x, labels = torch.randn(3, 4), torch.tensor([0, 1, 3])
    expected = 0.5 * F.cross_entropy(head(x), labels, label_smoothing=0.1)
    torch.testing.assert_close(head.forward_train(x, labels)["loss"], expected)


def test_linear_head_num_classes_must_be_positive():
    with pytest.raises(ValueError, match="num_classes=0 must be a positive integer"):
        LinearClsHead(num_classes=0, in_channels=4)
    with pytest.raises(TypeError, match="in_channels must be a positive int, got float: 4.0"):
        LinearClsHead(num_classes=2, in_channels=4.0)
    with pytest.raises(ValueError, match=r"topk=\(1, 5\) asks for more classes than num_classes=3"):
        LinearClsHead(num_classes=3, in_channels=4, topk=(1, 5))
    with pytest.raises(TypeError, match="loss must be a config dict"):
        LinearClsHead(num_classes=3, in_channels=4, loss="CrossEntropyLoss")


def test_multi_label_head_loss_is_bce_and_predicts_by_threshold():
    head = MultiLabelLinearClsHead(num_classes=3, in_channels=3, thr=0.6)
    with torch.no_grad():
        head.fc.weight.copy_(torch.eye(3))
        head.fc.bias.zero_()
    x = torch.tensor([[2.0, 0.0, -2.0], [0.0, 1.0, 3.0]])
    target = torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]])
    out = head.forward_train(x, target)
    assert list(out) == ["loss"]
    # as mmcls 0.x and mmpretrain: summed over classes, averaged over samples
    torch.testing.assert_close(out["loss"], F.binary_cross_entropy_with_logits(x, target, reduction="sum") / 2)
    pred = head.predict(x)
    torch.testing.assert_close(pred["scores"], x.sigmoid())
    assert pred["labels"].tolist() == [[True, False, False], [False, True, True]]  # sigmoid(1) = 0.73 >= 0.6


def test_multi_label_head_topk_prediction_and_errors():
    head = MultiLabelLinearClsHead(num_classes=4, in_channels=4, topk=2)
    with torch.no_grad():
        head.fc.weight.copy_(torch.eye(4))
        head.fc.bias.zero_()
    assert head.predict(SCORES)["labels"].sum(dim=1).tolist() == [2, 2, 2, 2]
    assert head.predict(SCORES)["labels"][1].tolist() == [False, True, True, False]
    with pytest.raises(ValueError, match="give thr or topk, not both"):
        MultiLabelLinearClsHead(num_classes=4, in_channels=4, thr=0.5, topk=1)
    with pytest.raises(ValueError, match=r"thr must be a number in \[0, 1\], got 2"):
        MultiLabelLinearClsHead(num_classes=4, in_channels=4, thr=2)


def test_build_head_does_not_mutate_the_config():
    cfg = dict(type="LinearClsHead", num_classes=3, in_channels=4, loss=dict(type="CrossEntropyLoss", loss_weight=1.0))
    before = copy.deepcopy(cfg)
    head = build_head(cfg)
    assert cfg == before
    assert head.compute_loss.loss_weight == 1.0


def test_stacked_head_is_an_mlp_with_norm_act_dropout():
    torch.manual_seed(0)
    head = StackedLinearClsHead(
        num_classes=3, in_channels=4, mid_channels=[6, 5], norm_cfg=dict(type="BN1d"), act_cfg=dict(type="ReLU")
    ).eval()
    assert [k for k in head.state_dict() if k.endswith("weight")] == [
        "layers.0.fc.weight",
        "layers.0.norm.weight",
        "layers.1.fc.weight",
        "layers.1.norm.weight",
        "layers.2.fc.weight",
    ]
    x = torch.randn(2, 4)
    h = x
    for block in head.layers[:2]:
        h = F.relu(
            F.batch_norm(
                block.fc(h), block.norm.running_mean, block.norm.running_var, block.norm.weight, block.norm.bias
            )
        )
    torch.testing.assert_close(head((x,)), head.layers[2].fc(h))


def test_stacked_head_validates_mid_channels():
    with pytest.raises(TypeError, match="mid_channels must be a non-empty sequence of ints, got 8"):
        StackedLinearClsHead(num_classes=3, in_channels=4, mid_channels=8)
    with pytest.raises(ValueError, match="mid_channels=0 must be a positive integer"):
        StackedLinearClsHead(num_classes=3, in_channels=4, mid_channels=[0])
    with pytest.raises(ValueError, match=r"dropout_rate must be a number in \[0, 1\), got 1"):
        StackedLinearClsHead(num_classes=3, in_channels=4, mid_channels=[8], dropout_rate=1)


def test_head_init_weights_default_and_init_cfg():
    head = LinearClsHead(num_classes=50, in_channels=400)
    with torch.no_grad():
        head.fc.weight.fill_(1.0)
        head.fc.bias.fill_(1.0)
    head.init_weights()
    assert head.fc.weight.std().item() == pytest.approx(0.01, rel=0.05)
    assert torch.all(head.fc.bias == 0)
    zeroed = LinearClsHead(num_classes=3, in_channels=4, init_cfg=dict(type="Constant", val=0.5, layer="Linear"))
    zeroed.init_weights()
    assert torch.all(zeroed.fc.weight == 0.5)


def test_classifier_init_weights_reaches_the_head(tiny_model_cfg):
    model = build_model(tiny_model_cfg)
    with torch.no_grad():
        model.head.fc.bias.fill_(3.0)
    model.init_weights()
    assert torch.all(model.head.fc.bias == 0)


def test_stacked_head_act_cfg_none_means_no_activation_and_default_is_relu():
    plain = StackedLinearClsHead(num_classes=3, in_channels=4, mid_channels=[5], act_cfg=None)
    assert plain.layers[0].act is None
    x = torch.randn(2, 4)
    torch.testing.assert_close(plain(x), plain.layers[1].fc(plain.layers[0].fc(x)))
    assert isinstance(StackedLinearClsHead(num_classes=3, in_channels=4, mid_channels=[5]).layers[0].act, torch.nn.ReLU)


def test_stacked_head_pre_logits_is_the_last_hidden_layer():
    head = StackedLinearClsHead(num_classes=3, in_channels=4, mid_channels=[6, 5]).eval()
    x = torch.randn(2, 4)
    hidden = head.pre_logits((torch.zeros(2, 4), x))
    torch.testing.assert_close(hidden, head.layers[1](head.layers[0](x)))
    assert hidden.shape == (2, 5)
    torch.testing.assert_close(head(x), head.layers[2].fc(hidden))


def test_simple_test_as_mmcls_0x():
    head = LinearClsHead(num_classes=4, in_channels=4)
    with torch.no_grad():
        head.fc.weight.copy_(torch.eye(4))
        head.fc.bias.zero_()
    rows = head.simple_test((SCORES,))
    assert isinstance(rows, list) and len(rows) == 4
    torch.testing.assert_close(torch.stack(rows), SCORES.softmax(dim=1))
    torch.testing.assert_close(head.simple_test(SCORES, softmax=False, post_process=False), SCORES)
    multi = MultiLabelClsHead()
    torch.testing.assert_close(multi.simple_test(SCORES, post_process=False), SCORES.sigmoid())
    torch.testing.assert_close(torch.stack(multi.simple_test(SCORES, sigmoid=False)), SCORES)


class SimpleTest(torch.nn.Module):
    """A head's ``simple_test`` as a module's forward, so it can be traced."""

    def __init__(self, head: torch.nn.Module) -> None:
        super().__init__()
        self.head = head

    def forward(self, x: torch.Tensor):
        return self.head.simple_test(x)


@pytest.mark.parametrize("head", [LinearClsHead(num_classes=4, in_channels=4), MultiLabelClsHead()], ids=type)
def test_simple_test_returns_the_score_tensor_while_traced(head):
    traced = torch.jit.trace(SimpleTest(head.eval()), SCORES)  # tracing (and ONNX export) needs a tensor out
    out = traced(SCORES)
    assert isinstance(out, torch.Tensor) and out.shape == (4, 4)
    torch.testing.assert_close(out, torch.stack(head.simple_test(SCORES)))
    assert isinstance(head.simple_test(SCORES), list)  # outside tracing, still one tensor per sample


def test_forward_train_returns_the_mmcls_0x_dict():
    out = LinearClsHead(num_classes=4, in_channels=4, topk=(1, 2)).forward_train(SCORES, torch.tensor([0, 1, 0, 0]))
    assert set(out) == {"loss", "accuracy"} and set(out["accuracy"]) == {"top-1", "top-2"}


def test_multi_label_cls_head_has_no_layers_and_counts_difficult_labels_as_positive():
    head = build_head(dict(type="MultiLabelClsHead", thr=0.51))
    assert list(head.parameters()) == []
    target = torch.tensor([[1, 0, -1, 0], [0, 1, 0, 1], [0, 0, 0, 0], [1, 1, 1, 1]])
    expected = F.binary_cross_entropy_with_logits(SCORES, target.abs().float(), reduction="sum") / 4
    torch.testing.assert_close(head.forward_train(SCORES, target)["loss"], expected)
    assert head.predict(SCORES)["labels"][0].tolist() == [
        True,
        True,
        True,
        False,
    ]  # sigmoid(0.05) = 0.512, sigmoid(0) = 0.5

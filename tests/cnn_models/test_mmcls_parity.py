"""mmcls 0.x / mmpretrain vocabulary: LabelSmoothLoss, HRFuseScales, a list of necks, CSRAClsHead, GeM's
p_trainable, ImageClassifier(pretrained=...), and what a user neck or head from mmcls's guide runs into."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from cnn_models import (
    HEADS,
    NECKS,
    CSRAClsHead,
    GeneralizedMeanPooling,
    HRFuseScales,
    ImageClassifier,
    LabelSmoothLoss,
    build_model,
)
from cnn_zoo import save_checkpoint

SCORES = torch.tensor([[1.0, -0.5, 0.2], [0.1, 0.3, -1.0]])
LABELS = torch.tensor([0, 2])


@pytest.mark.parametrize(("mode", "eps"), [("original", 0.1), ("classy_vision", 0.1 / 1.1)])
def test_label_smooth_loss_is_cross_entropy_with_smoothed_targets(mode, eps):
    target = F.one_hot(LABELS, 3).float() * (1 - eps) + eps / 3
    expected = -(target * SCORES.log_softmax(dim=1)).sum(dim=1).mean()
    got = LabelSmoothLoss(label_smooth_val=0.1, mode=mode)(SCORES, LABELS)
    torch.testing.assert_close(got, expected)


def test_label_smooth_loss_multi_label_uses_sigmoid_with_eps_and_one_minus_eps():
    multi_hot = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    smoothed = torch.where(multi_hot > 0, 0.8, 0.2)
    expected = F.binary_cross_entropy_with_logits(SCORES, smoothed)
    torch.testing.assert_close(LabelSmoothLoss(0.2, mode="multi_label")(SCORES, multi_hot), expected)


def test_label_smooth_loss_errors():
    with pytest.raises(ValueError, match=r"label_smooth_val must be in \[0, 1\), got 1.5"):
        LabelSmoothLoss(1.5)
    with pytest.raises(ValueError, match="mode must be one of"):
        LabelSmoothLoss(0.1, mode="classy")
    with pytest.raises(ValueError, match="num_classes=4 but cls_score has 3 classes"):
        LabelSmoothLoss(0.1, num_classes=4)(SCORES, LABELS)


def test_hr_fuse_scales_keys_and_shapes():
    neck = HRFuseScales(in_channels=(2, 4, 8, 16), out_channels=64)
    keys = neck.state_dict().keys()
    assert {
        "increase_layers.0.0.conv1.weight",
        "increase_layers.0.0.downsample.0.weight",
        "increase_layers.3.0.bn3.running_mean",
        "downsample_layers.2.conv.weight",
        "downsample_layers.2.bn.weight",
        "final_layer.conv.weight",
        "final_layer.bn.bias",
    } <= set(keys)
    feats = tuple(torch.rand(2, c, 32 // 2**i, 32 // 2**i) for i, c in enumerate((2, 4, 8, 16)))
    (out,) = neck(feats)
    assert out.shape == (2, 64, 4, 4)
    with pytest.raises(ValueError, match="takes HRNet's 4 outputs as a tuple"):
        neck(feats[-1])
    with pytest.raises(ValueError, match="in_channels must be the 4 positive widths"):
        HRFuseScales(in_channels=(18, 36))


def test_a_list_of_necks_is_applied_in_order():
    model = build_model(
        dict(
            backbone=dict(type="HRNet", extra="w18"),
            neck=[
                dict(type="HRFuseScales", in_channels=(18, 36, 72, 144), out_channels=32),
                dict(type="GlobalAveragePooling"),
            ],
            head=dict(type="LinearClsHead", num_classes=5, in_channels=32),
        )
    )
    assert isinstance(model.neck, nn.Sequential) and [type(m).__name__ for m in model.neck] == [
        "HRFuseScales",
        "GlobalAveragePooling",
    ]
    assert "neck.0.final_layer.conv.weight" in model.state_dict()
    assert model(torch.rand(1, 3, 64, 64)).shape == (1, 5)


def test_csra_head_sums_its_attention_heads():
    torch.manual_seed(0)
    head = CSRAClsHead(num_classes=3, in_channels=4, num_heads=2, lam=0.1)
    x = torch.rand(2, 4, 5, 5)
    scores = []
    for module, temperature in zip(head.csra_heads, (1, 99), strict=True):
        w = module.head.weight  # (3, 4, 1, 1)
        s = (torch.einsum("nchw,kc->nkhw", x, w[:, :, 0, 0]) / w.flatten(1).norm(dim=1).view(1, 3, 1, 1)).flatten(2)
        att = s.max(dim=2).values if temperature == 99 else (s * (s * temperature).softmax(dim=2)).sum(dim=2)
        scores.append(s.mean(dim=2) + 0.1 * att)
    torch.testing.assert_close(head((x,)), scores[0] + scores[1])
    assert set(head.state_dict()) == {"csra_heads.0.head.weight", "csra_heads.1.head.weight"}
    with pytest.raises(ValueError, match=r"num_heads must be one of \[1, 2, 4, 6, 8\], got 3"):
        CSRAClsHead(num_classes=3, in_channels=4, num_heads=3, lam=0.1)
    with pytest.raises(ValueError, match="CSRA takes feature maps"):
        head(torch.rand(2, 4))


def test_gem_p_trainable():
    fixed = GeneralizedMeanPooling(p=3.0, p_trainable=False)
    assert not fixed.p.requires_grad and list(fixed.state_dict()) == ["p"]
    assert GeneralizedMeanPooling().p.requires_grad


def test_pretrained_loads_the_checkpoint_in_init_weights(tiny_model_cfg, tmp_path):
    torch.manual_seed(0)
    source = build_model(tiny_model_cfg)
    path = save_checkpoint(source, tmp_path / "tiny.pth")
    model = ImageClassifier(**tiny_model_cfg, pretrained=str(path))
    assert model.init_cfg == {"type": "Pretrained", "checkpoint": str(path)}
    model.init_weights()
    for key, value in source.state_dict().items():
        torch.testing.assert_close(model.state_dict()[key], value, msg=key)
    with pytest.raises(ValueError, match="give pretrained=.* or init_cfg=.*, not both"):
        ImageClassifier(**tiny_model_cfg, pretrained=str(path), init_cfg=dict(type="Normal", std=0.1))


class TensorOnlyNeck(nn.Module):
    """A neck as a user writes it from mmcls's guide when they expect a single tensor."""

    def __init__(self) -> None:
        super().__init__()
        self.pool = nn.AdaptiveAvgPool2d(1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(x).flatten(1)


class TensorOnlyHead(nn.Module):
    """A head whose forward_train calls its fc on what it is given, as in mmcls's guide."""

    def __init__(self, num_classes: int = 3, in_channels: int = 8) -> None:
        super().__init__()
        self.num_classes = num_classes
        self.fc = nn.Linear(in_channels, num_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x)

    def forward_train(self, x: torch.Tensor, gt_label: torch.Tensor) -> dict:
        return {"loss": F.cross_entropy(self.fc(x), gt_label)}


@pytest.fixture
def user_parts():
    with NECKS.temporary_registrations(), HEADS.temporary_registrations():
        NECKS.register_module(module=TensorOnlyNeck)
        HEADS.register_module(module=TensorOnlyHead)
        yield


def test_a_user_neck_that_expects_a_tensor_gets_a_clear_error(tiny_model_cfg, user_parts):
    model = build_model(dict(tiny_model_cfg, neck=dict(type="TensorOnlyNeck")))
    with pytest.raises(
        TypeError,
        match=r"the neck TensorOnlyNeck was given a tuple of 1: \(a tensor of shape "
        r"\(2, 8, 4, 4\)\).*use its last element \(inputs\[-1\]\)",
    ) as caught:
        model(torch.rand(2, 3, 16, 16))
    assert isinstance(caught.value.__cause__, (TypeError, AttributeError))  # the original error is kept


def test_a_user_head_whose_forward_train_expects_a_tensor_gets_a_clear_error(tiny_model_cfg, user_parts):
    model = build_model(dict(tiny_model_cfg, head=dict(type="TensorOnlyHead")))
    with pytest.raises(TypeError, match=r"the head TensorOnlyHead was given a tuple of 1.*self\.pre_logits\(x\)"):
        model(torch.rand(2, 3, 16, 16), torch.tensor([0, 1]), mode="loss")


def test_mmcls_0x_classifier_methods(tiny_model_cfg):
    model = build_model(tiny_model_cfg).eval()
    images = torch.rand(2, 3, 16, 16)
    rows = model.simple_test(images)
    assert len(rows) == 2 and torch.allclose(torch.stack(rows).sum(dim=1), torch.ones(2))
    losses = model.forward_train(images, torch.tensor([0, 2]))
    assert set(losses) == {"loss", "accuracy"}

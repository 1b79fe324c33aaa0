"""BaseBackbone: stem hooks, derived stem stride, freezing and norm_eval shared by every backbone."""

from __future__ import annotations

import re

import pytest
import torch
from torch import nn

from cnn_backbones import BACKBONES, HRNet, ResNet
from cnn_backbones.base import BaseBackbone, check_out_indices
from cnn_layers import build_conv_layer, build_norm_layer


def test_every_registered_backbone_is_a_base_backbone():
    assert all(issubclass(BACKBONES.get(name), BaseBackbone) for name in BACKBONES)


def test_no_backbone_outside_the_resnet_family_imports_resnet_py():
    from pathlib import Path

    import cnn_backbones

    package = Path(cnn_backbones.__file__).parent
    for name in ("hrnet", "vgg", "ssd_vgg", "ghostnet", "base"):
        source = (package / f"{name}.py").read_text(encoding="utf-8")
        assert "from .resnet import" not in source, name


def test_mmcls_style_resnet_cifar_overrides_only_make_stem_layer(image):
    # mmcls's guide to adding a backbone: a ResNet_CIFAR that overrides the stem method under its mmcls name
    class CifarResNet(ResNet):
        def _make_stem_layer(self, in_channels, base_channels):
            self.conv1 = build_conv_layer(self.conv_cfg, in_channels, base_channels, 3, stride=1, padding=1, bias=False)
            self.norm1_name, norm1 = build_norm_layer(self.norm_cfg, base_channels, postfix=1)
            self.add_module(self.norm1_name, norm1)
            self.relu = nn.ReLU(inplace=True)

    model = CifarResNet(18, base_channels=8).eval()
    assert model.stem_stride == 1 and model.out_strides == (1, 2, 4, 8)
    assert not hasattr(model, "maxpool")
    assert tuple(model(image)[0].shape) == (1, 8, 32, 32)


def test_forward_stem_without_make_stem_layer_is_rejected():
    with pytest.raises(TypeError, match="overrides forward_stem but not make_stem_layer"):

        class HalfStem(ResNet):
            def forward_stem(self, x):
                return x


def test_make_stem_layer_below_a_specialised_forward_stem_is_rejected():
    with pytest.raises(TypeError, match=r"inherits HRNet.forward_stem.*override forward_stem too"):

        class OtherStemHRNet(HRNet):
            def make_stem_layer(self, in_channels, stem_channels):
                self.conv1 = nn.Conv2d(in_channels, stem_channels, 3)


def test_a_hand_kept_stem_stride_is_rejected():
    with pytest.raises(TypeError, match="stem_stride.*derives"):

        class Kept(ResNet):
            stem_stride = 2


@pytest.mark.parametrize(
    ("cfg", "stride"),
    [
        (dict(type="ResNet", depth=18), 4),
        (dict(type="ResNetV1c", depth=18), 4),
        (dict(type="ResNet_CIFAR", depth=18), 1),
        (dict(type="RegNet", arch="regnetx_400mf"), 2),
        (dict(type="GhostNet", widen_factor=0.25), 2),
        (dict(type="VGG", depth=11), 1),
    ],
    ids=lambda v: v["type"] if isinstance(v, dict) else str(v),
)
def test_stem_stride_is_derived_from_the_stem(cfg, stride):
    assert BACKBONES.build(cfg).stem_stride == stride


@pytest.mark.parametrize(
    "cfg",
    [
        dict(type="ResNet", depth=18, base_channels=8),
        dict(type="GhostNet", widen_factor=0.25),
        dict(type="VGG", depth=11, with_bn=True),
        dict(type="RegNet", arch=dict(w0=8, wa=6.0, wm=1.4, group_w=8, depth=5, bot_mul=1.0)),
    ],
    ids=lambda cfg: cfg["type"],
)
def test_frozen_stages_and_norm_eval_survive_train(cfg):
    model = BACKBONES.build(dict(cfg, frozen_stages=1, norm_eval=True)).train()
    frozen = [*(getattr(model, n) for n in model.stem_layer_names), *model.stage_modules(0)]
    assert all(not p.requires_grad for m in frozen for p in m.parameters())
    assert all(not m.training for m in frozen)
    later = model.stage_modules(1)
    assert all(p.requires_grad for m in later for p in m.parameters())
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    assert norms and not any(m.training for m in norms)


def test_feature_info_names_each_output():
    model = ResNet(18, out_indices=(1, 3))
    assert model.feature_info == [dict(index=1, channels=128, stride=8), dict(index=3, channels=512, stride=32)]


def test_frozen_stages_beyond_the_stages_is_named():
    with pytest.raises(ValueError, match=r"frozen_stages=3: expected an int in \[-1, 2\]"):
        ResNet(18, num_stages=2, strides=(1, 2), dilations=(1, 1), out_indices=(0, 1), frozen_stages=3)
    with pytest.raises(ValueError, match="frozen_stages=-2"):
        ResNet(18, frozen_stages=-2)


def test_train_returns_the_module():
    model = ResNet(18)
    assert model.train() is model and model.eval() is model
    assert isinstance(model(torch.rand(1, 3, 16, 16)), tuple)


@pytest.mark.parametrize(
    ("cfg", "norm_eval"),
    [
        (dict(type="ResNet", depth=18), True),
        (dict(type="ResNetV1d", depth=18), True),
        (dict(type="ResNeXt", depth=50, groups=2, base_channels=8), True),
        (dict(type="Res2Net", depth=50, scales=2, base_width=4, base_channels=8), True),
        (dict(type="RegNet", arch=dict(w0=8, wa=6.0, wm=1.4, group_w=8, depth=5, bot_mul=1.0)), True),
        (dict(type="HRNet", extra="w18_small"), True),
        (dict(type="ResNet_CIFAR", depth=18), False),  # mmcls's classification backbone, trained from scratch
        (dict(type="VGG", depth=11), False),
        (dict(type="GhostNet", widen_factor=0.25), False),
    ],
    ids=lambda v: v["type"] if isinstance(v, dict) else str(v),
)
def test_norm_eval_defaults_follow_mmdet(cfg, norm_eval):
    model = BACKBONES.build(cfg).train()
    assert model.norm_eval is norm_eval
    norms = [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]
    assert all(m.training is not norm_eval for m in norms)


class TwoStages(BaseBackbone):
    """A minimal backbone that does not say which modules form its stages."""

    def __init__(self, strides=(2, 4), **kwargs):
        super().__init__(out_indices=(0, 1), **kwargs)
        self.stage1 = nn.Conv2d(3, 4, 3, stride=2, padding=1)
        self.stage2 = nn.Conv2d(4, 8, 3, stride=2, padding=1)
        self.set_stages((4, 8), strides)


def test_frozen_stages_need_stage_modules():
    assert TwoStages(frozen_stages=0).out_strides == (2, 4)  # the stem alone needs no stage_modules
    with pytest.raises(TypeError, match="TwoStages supports no frozen_stages > 0: it does not override stage_modules"):
        TwoStages(frozen_stages=1)


def test_one_stride_per_stage_channel_count():
    with pytest.raises(ValueError, match=r"channels=\(4, 8\), strides=\(2,\): expected one of each"):
        TwoStages(strides=(2,))


def test_norm_eval_must_be_a_bool():
    with pytest.raises(TypeError, match="norm_eval='yes': expected True or False"):
        TwoStages(norm_eval="yes")


@pytest.mark.parametrize("out_indices", [3, (0, "1")])
def test_check_out_indices_wants_a_sequence_of_ints(out_indices):
    with pytest.raises(TypeError, match=re.escape(f"out_indices={out_indices!r}: expected a sequence of ints")):
        check_out_indices(out_indices, 4)

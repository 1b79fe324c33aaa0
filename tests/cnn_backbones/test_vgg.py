"""VGG and the SSD variant: torchvision's layer indices, stage outputs, the classifier and freezing."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from cnn_backbones import SSDVGG, VGG, make_vgg_layer

# Conv indices of torchvision's vgg16.features and vgg16_bn.features (its published state-dict keys).
VGG16_CONVS = [0, 2, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28]
VGG16_BN_CONVS = [0, 3, 7, 10, 14, 17, 20, 24, 27, 30, 34, 37, 40]


@pytest.mark.parametrize(("with_bn", "convs"), [(False, VGG16_CONVS), (True, VGG16_BN_CONVS)])
def test_feature_indices_match_torchvision(with_bn, convs):
    model = VGG(16, with_bn=with_bn)
    assert [i for i, m in enumerate(model.features) if isinstance(m, nn.Conv2d)] == convs
    assert len(model.features) == (44 if with_bn else 31)


@pytest.mark.parametrize(("depth", "params"), [(11, 9_220_480), (16, 14_714_688), (19, 20_024_384)])
def test_parameter_counts_of_the_conv_features(depth, params):
    # vgg11/16/19 without classifier: the published 132.9M / 138.4M / 143.7M minus the 123.6M of the classifier.
    assert sum(p.numel() for p in VGG(depth).parameters()) == params


def test_stage_outputs_and_classifier():
    model = VGG(11, num_classes=10).eval()
    outs = model(torch.rand(1, 3, 32, 32))
    assert [tuple(o.shape) for o in outs] == [
        (1, 64, 16, 16),
        (1, 128, 8, 8),
        (1, 256, 4, 4),
        (1, 512, 2, 2),
        (1, 512, 1, 1),
        (1, 10),
    ]
    assert (
        sum(p.numel() for p in model.classifier.parameters())
        == 25088 * 4096 + 4096 + 4096 * 4096 + 4096 + 4096 * 10 + 10
    )


def test_ceil_mode_and_without_last_pool():
    model = VGG(11, ceil_mode=True, with_last_pool=False, out_indices=(3, 4)).eval()
    assert [tuple(o.shape) for o in model(torch.rand(1, 3, 36, 36))] == [(1, 512, 3, 3), (1, 512, 3, 3)]
    assert model.out_strides == (16, 16)


def test_frozen_stages_and_norm_eval():
    model = VGG(11, with_bn=True, frozen_stages=2, norm_eval=True).train()
    first, second = model.range_sub_modules[1]
    assert all(not p.requires_grad for m in list(model.features)[:second] for p in m.parameters())
    assert all(p.requires_grad for m in list(model.features)[second:] for p in m.parameters())
    assert not any(m.training for m in model.modules() if isinstance(m, nn.BatchNorm2d))
    assert first == 4


def test_ssd_vgg_layout():
    model = SSDVGG(16).eval()
    assert len(model.features) == 35
    fc6, fc7 = model.features[31], model.features[33]
    assert fc6.dilation == (6, 6) and fc6.padding == (6, 6) and fc6.out_channels == 1024
    assert fc7.kernel_size == (1, 1) and isinstance(model.features[30], nn.MaxPool2d)
    assert isinstance(model.features[22], nn.ReLU)  # conv4_3's ReLU
    assert all(m.ceil_mode for m in model.features if isinstance(m, nn.MaxPool2d) and m.kernel_size == 2)
    outs = model(torch.rand(1, 3, 300, 300))
    assert [tuple(o.shape) for o in outs] == [(1, 512, 38, 38), (1, 1024, 19, 19)]


@pytest.mark.parametrize(
    ("cls", "kwargs", "match"),
    [
        (VGG, dict(depth=12), r"depth=12: expected one of \[11, 13, 16, 19\]"),
        (VGG, dict(depth=11, dilations=(1, 1)), r"dilations=\(1, 1\)"),
        (VGG, dict(depth=11, out_indices=(5,)), r"out_indices=\(5,\)"),
        (SSDVGG, dict(depth=16, out_feature_indices=(22, 35)), r"out_feature_indices=\(22, 35\)"),
        (VGG, dict(depth=11, num_stages=6), r"num_stages=6: expected an int in \[1, 5\]"),
        (
            SSDVGG,
            dict(depth=16, out_indices=(3,)),
            r"out_indices=\(3,\): out_feature_indices=\(22, 34\) lie in stages \(3, 4\); give out_indices=\(3, 4\)",
        ),
    ],
)
def test_bad_arguments(cls, kwargs, match):
    with pytest.raises(ValueError, match=match):
        cls(**kwargs)


@pytest.mark.parametrize("kwargs", [{}, {"with_bn": True}, {"with_bn": True, "num_classes": 10}])
def test_default_init_cfg_matches_every_layer_it_names(kwargs):
    """No UnusedInitCfgWarning; with a classifier this also initialises the 102,760,448-weight fc6."""
    import warnings

    model = VGG(11, **kwargs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        model.init_weights()
    if kwargs.get("num_classes"):
        assert model.classifier[-1].weight.std().item() == pytest.approx(0.01, rel=0.1)


def test_norm_cfg_must_be_a_config_dict():
    with pytest.raises(TypeError, match="norm_cfg='BN': expected a config dict such as dict"):
        VGG(11, norm_cfg="BN")


def test_make_vgg_layer_puts_a_batch_norm_after_each_conv():
    layers = make_vgg_layer(3, 8, 2, dilation=2, with_bn=True, ceil_mode=True)
    assert [type(m).__name__ for m in layers] == ["Conv2d", "BatchNorm2d", "ReLU"] * 2 + ["MaxPool2d"]
    assert [m.num_features for m in layers if isinstance(m, nn.BatchNorm2d)] == [8, 8]
    assert layers[0].dilation == (2, 2) and layers[-1].ceil_mode
    assert nn.Sequential(*layers)(torch.rand(1, 3, 5, 5)).shape == (1, 8, 3, 3)

"""optimize_for_inference on every backbone and on ImageClassifier: same outputs, folded, nothing mutated.

Every backbone goes through dynamo with the ``eager`` backend (real tracing, guards and the
output check, no code generation, to keep two cores free). Inductor with freezing, at two
batch sizes, is tested once, in tests/cnn_bundles/test_inference.py.
"""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

pytest.importorskip("cnn_backbones")

from cnn_backbones import (
    SSDVGG,
    VGG,
    GhostNet,
    HRNet,
    RegNet,
    Res2Net,
    ResNet,
    ResNet_CIFAR,
    ResNetV1c,
    ResNetV1d,
    ResNeXt,
)
from cnn_bundles import optimize_for_inference

TINY_HRNET = dict(
    stage1=dict(num_modules=1, num_branches=1, block="BOTTLENECK", num_blocks=(1,), num_channels=(8,)),
    stage2=dict(num_modules=1, num_branches=2, block="BASIC", num_blocks=(1, 1), num_channels=(4, 8)),
    stage3=dict(num_modules=1, num_branches=3, block="BASIC", num_blocks=(1, 1, 1), num_channels=(4, 8, 16)),
    stage4=dict(num_modules=1, num_branches=4, block="BASIC", num_blocks=(1, 1, 1, 1), num_channels=(4, 8, 16, 32)),
)
TWO_STAGES = dict(num_stages=2, strides=(1, 2), dilations=(1, 1), out_indices=(0, 1))

BACKBONES = {
    "resnet18": lambda: ResNet(18, base_channels=8),
    "resnet50-caffe-plugins": lambda: ResNet(
        50,
        base_channels=8,
        style="caffe",
        plugins=[dict(cfg=dict(type="ContextBlock", ratio=1 / 4), position="after_conv3")],
        **TWO_STAGES,
    ),
    "resnetv1c": lambda: ResNetV1c(depth=18, base_channels=8),
    "resnetv1d-gn": lambda: ResNetV1d(depth=50, base_channels=8, norm_cfg=dict(type="GN", num_groups=4), **TWO_STAGES),
    "resnet_cifar": lambda: ResNet_CIFAR(depth=18, base_channels=8),
    "resnext": lambda: ResNeXt(50, groups=4, base_width=4, base_channels=16, **TWO_STAGES),
    "res2net": lambda: Res2Net(depth=50, scales=4, base_width=4, base_channels=16, **TWO_STAGES),
    "regnet": lambda: RegNet(dict(w0=8, wa=6.0, wm=1.4, group_w=8, depth=5, bot_mul=1.0)),
    "hrnet": lambda: HRNet(TINY_HRNET),
    "vgg-bn": lambda: VGG(11, with_bn=True, out_indices=(2, 4)),
    "ssdvgg": lambda: SSDVGG(11, out_feature_indices=(14, 24)),
    "ghostnet": lambda: GhostNet(widen_factor=0.25),
}


def randomize(model: nn.Module) -> nn.Module:
    """Running statistics and affine parameters far from identity, so that folding changes every weight."""
    generator = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm) and m.running_mean is not None:
                m.running_mean.copy_(torch.randn(m.num_features, generator=generator) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=generator) + 0.5)
                m.weight.copy_(torch.rand(m.num_features, generator=generator) + 0.5)
                m.bias.copy_(torch.randn(m.num_features, generator=generator) * 0.1)
    return model


def batchnorms(model: nn.Module) -> int:
    return sum(isinstance(m, nn.modules.batchnorm._BatchNorm) for m in model.modules())


@pytest.mark.parametrize("name", list(BACKBONES))
def test_every_backbone_gives_its_eager_outputs(name: str) -> None:
    torch._dynamo.reset()
    torch.manual_seed(0)
    model = randomize(BACKBONES[name]())
    state = copy.deepcopy(model.state_dict())
    x = torch.rand(2, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    fast = optimize_for_inference(model, x, backend="eager")  # raises if any output is off
    assert model.training and all(torch.equal(state[k], v) for k, v in model.state_dict().items())
    with torch.no_grad():
        expected = model.eval()(x)
    got = fast(x)
    assert type(got) is type(expected) and len(got) == len(expected)
    for a, b in zip(got, expected, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-4 * max(1.0, b.abs().max().item()))
    # every BatchNorm that follows a conv is gone (GN models have none; ContextBlock's LayerNorm is not one)
    if batchnorms(model):
        assert batchnorms(fast.model) < batchnorms(model)


def test_image_classifier_in_eval_mode_without_grad() -> None:
    cnn_models = pytest.importorskip("cnn_models")
    torch._dynamo.reset()
    torch.manual_seed(0)
    model = cnn_models.build_model(
        dict(
            backbone=dict(type="ResNet_CIFAR", depth=18, base_channels=8),
            neck=dict(type="GlobalAveragePooling"),
            head=dict(type="LinearClsHead", num_classes=10, in_channels=64),
        )
    )
    randomize(model)
    x = torch.randn(4, 3, 32, 32)
    fast = optimize_for_inference(model, x, backend="aot_eager")
    assert batchnorms(fast.model) == 0 and model.training
    scores = fast(torch.randn(4, 3, 32, 32, requires_grad=True))  # no graph is recorded, whatever the input
    assert scores.shape == (4, 10) and not scores.requires_grad
    with torch.no_grad():
        torch.testing.assert_close(fast(x), model.eval()(x), rtol=1e-4, atol=1e-4)

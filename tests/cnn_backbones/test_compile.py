"""``torch.compile(model, fullgraph=True)`` traces every backbone without a graph break and computes the same features.

Dynamo's tracing (where graph breaks happen) is checked for every backbone with the ``eager``
backend, which skips code generation to keep the suite fast, and a training step with
``aot_eager`` (autograd traced ahead of time). Inductor's code generation is tested once, in
tests/cnn_bundles/test_inference.py.
"""

from __future__ import annotations

import pytest
import torch

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

TINY_HRNET = dict(
    stage1=dict(num_modules=1, num_branches=1, block="BOTTLENECK", num_blocks=(1,), num_channels=(8,)),
    stage2=dict(num_modules=1, num_branches=2, block="BASIC", num_blocks=(1, 1), num_channels=(4, 8)),
    stage3=dict(num_modules=1, num_branches=3, block="BASIC", num_blocks=(1, 1, 1), num_channels=(4, 8, 16)),
    stage4=dict(num_modules=2, num_branches=4, block="BASIC", num_blocks=(1, 1, 1, 1), num_channels=(4, 8, 16, 32)),
)

BACKBONES = {
    "resnet18": lambda: ResNet(18, base_channels=8),
    "resnet50-caffe-frozen": lambda: ResNet(
        50,
        base_channels=8,
        style="caffe",
        frozen_stages=1,
        norm_eval=True,
        num_stages=2,
        strides=(1, 2),
        dilations=(1, 1),
        out_indices=(0, 1),
    ),
    "resnet50-dilated-plugins": lambda: ResNet(
        50,
        base_channels=8,
        num_stages=2,
        out_indices=(0, 1),
        strides=(1, 1),
        dilations=(1, 2),
        plugins=[dict(cfg=dict(type="ContextBlock", ratio=1 / 4), position="after_conv3")],
    ),
    "resnetv1c": lambda: ResNetV1c(depth=18, base_channels=8),
    "resnetv1d-gn": lambda: ResNetV1d(
        depth=50,
        base_channels=8,
        norm_cfg=dict(type="GN", num_groups=4),
        num_stages=2,
        strides=(1, 2),
        dilations=(1, 1),
        out_indices=(0, 1),
    ),
    "resnet_cifar": lambda: ResNet_CIFAR(depth=18, base_channels=8),
    "resnext": lambda: ResNeXt(
        50, groups=4, base_width=4, base_channels=16, num_stages=2, strides=(1, 2), dilations=(1, 1), out_indices=(0, 1)
    ),
    "res2net": lambda: Res2Net(
        depth=50,
        scales=4,
        base_width=4,
        base_channels=16,
        num_stages=2,
        strides=(1, 2),
        dilations=(1, 1),
        out_indices=(0, 1),
    ),
    "regnet": lambda: RegNet(dict(w0=8, wa=6.0, wm=1.4, group_w=8, depth=5, bot_mul=1.0)),
    "hrnet": lambda: HRNet(TINY_HRNET),
    "vgg-bn": lambda: VGG(11, with_bn=True),
    "ssdvgg": lambda: SSDVGG(11, out_feature_indices=(14, 24)),
    "ghostnet": lambda: GhostNet(widen_factor=0.25),
}


@pytest.mark.parametrize("name", list(BACKBONES))
def test_fullgraph_trace_matches_eager(name):
    torch._dynamo.reset()
    model = BACKBONES[name]().eval()
    x = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        expected = model(x)
        compiled = torch.compile(model, backend="eager", fullgraph=True)
        got = compiled(x)
    assert len(got) == len(expected)
    for a, b in zip(got, expected, strict=True):
        torch.testing.assert_close(a, b)


def test_fullgraph_training_step_with_checkpointing():
    torch._dynamo.reset()
    torch.manual_seed(0)
    model = ResNet(
        18,
        base_channels=8,
        with_cp=True,
        frozen_stages=1,
        norm_eval=False,
        num_stages=2,
        strides=(1, 2),
        dilations=(1, 1),
        out_indices=(0, 1),
    ).train()
    reference = ResNet(
        18,
        base_channels=8,
        frozen_stages=1,
        norm_eval=False,
        num_stages=2,
        strides=(1, 2),
        dilations=(1, 1),
        out_indices=(0, 1),
    ).train()
    reference.load_state_dict(model.state_dict())
    compiled = torch.compile(model, backend="aot_eager", fullgraph=True)
    x = torch.rand(2, 3, 32, 32)
    sum(o.sum() for o in compiled(x)).backward()
    sum(o.sum() for o in reference(x)).backward()
    assert model.layer1[0].conv1.weight.grad is None
    torch.testing.assert_close(model.layer2[0].conv1.weight.grad, reference.layer2[0].conv1.weight.grad)
    assert model.layer2[0].bn1.num_batches_tracked == 1
    torch.testing.assert_close(model.layer2[0].bn1.running_mean, reference.layer2[0].bn1.running_mean)

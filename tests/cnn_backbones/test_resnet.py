"""ResNet, its blocks and its arguments: shapes, styles, freezing, norm_eval, init, plugins, dilation, with_cp."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from cnn_backbones import BACKBONES, BasicBlock, Bottleneck, ResLayer, ResNet, ResNetV1c, ResNetV1d

STAGE_CHANNELS = {18: (64, 128, 256, 512), 34: (64, 128, 256, 512), 50: (256, 512, 1024, 2048)}
STAGE_BLOCKS = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3), 50: (3, 4, 6, 3), 101: (3, 4, 23, 3), 152: (3, 8, 36, 3)}


@pytest.mark.parametrize("depth", [18, 34, 50, 101, 152])
def test_depths_have_the_published_block_counts(depth):
    model = ResNet(depth)
    assert tuple(len(getattr(model, f"layer{i}")) for i in range(1, 5)) == STAGE_BLOCKS[depth]
    assert model.out_channels == ((64, 128, 256, 512) if depth < 50 else (256, 512, 1024, 2048))


@pytest.mark.parametrize("depth", [18, 50])
def test_output_shapes_follow_out_indices_in_stage_order(depth, image):
    model = ResNet(depth, out_indices=(3, 1)).eval()
    outs = model(image)
    assert [tuple(o.shape) for o in outs] == [(1, STAGE_CHANNELS[depth][1], 4, 4), (1, STAGE_CHANNELS[depth][3], 1, 1)]
    assert model.out_indices == (1, 3)
    assert model.out_channels == (STAGE_CHANNELS[depth][1], STAGE_CHANNELS[depth][3])
    assert model.out_strides == (8, 32)


def test_num_stages_and_custom_strides(image):
    model = ResNet(18, num_stages=3, strides=(1, 2, 1), dilations=(1, 1, 2), out_indices=(0, 1, 2)).eval()
    assert not hasattr(model, "layer4")
    assert [o.shape[-1] for o in model(image)] == [8, 4, 4]
    assert model.out_strides == (4, 8, 8)


def test_parameter_count_matches_torchvision_resnet50_without_fc():
    # torchvision's resnet50 has 25,557,032 parameters, of which the fc layer has 2048 * 1000 + 1000.
    model = ResNet(50)
    assert sum(p.numel() for p in model.parameters()) == 25_557_032 - 2_049_000


@pytest.mark.parametrize(
    ("style", "conv1_stride", "conv2_stride"), [("pytorch", (1, 1), (2, 2)), ("caffe", (2, 2), (1, 1))]
)
def test_style_places_the_stride(style, conv1_stride, conv2_stride):
    block = ResNet(50, style=style).layer2[0]
    assert block.conv1.stride == conv1_stride
    assert block.conv2.stride == conv2_stride
    assert block.downsample[0].stride == (2, 2)


def test_deep_stem_and_avg_down():
    v1c, v1d = ResNetV1c(depth=50), ResNetV1d(depth=50)
    assert [m.out_channels for m in v1c.stem if isinstance(m, nn.Conv2d)] == [32, 32, 64]
    assert not hasattr(v1c, "conv1")
    assert isinstance(v1c.layer2[0].downsample[0], nn.Conv2d)
    pool, conv = v1d.layer2[0].downsample[0], v1d.layer2[0].downsample[1]
    assert isinstance(pool, nn.AvgPool2d) and pool.kernel_size == 2 and pool.ceil_mode and not pool.count_include_pad
    assert conv.stride == (1, 1)
    # layer1 does not stride, but keeps the pool so the keys are downsample.1/downsample.2 in every stage
    assert v1d.layer1[0].downsample[0].kernel_size == 1
    assert {"layer1.0.downsample.1.weight", "layer1.0.downsample.2.running_var"} <= set(v1d.state_dict())


def test_stem_channels():
    model = ResNet(18, stem_channels=32, deep_stem=True)
    assert [m.out_channels for m in model.stem if isinstance(m, nn.Conv2d)] == [16, 16, 32]
    assert model.layer1[0].conv1.in_channels == 32


@pytest.mark.parametrize("deep_stem", [False, True])
def test_frozen_stages_stay_frozen_after_train(deep_stem):
    model = ResNet(18, frozen_stages=2, deep_stem=deep_stem, norm_eval=False)
    model.train()
    stem = [model.stem] if deep_stem else [model.conv1, model.norm1]
    for frozen in (*stem, model.layer1, model.layer2):
        assert all(not p.requires_grad for p in frozen.parameters())
        assert all(not m.training for m in frozen.modules())
    for trainable in (model.layer3, model.layer4):
        assert all(p.requires_grad for p in trainable.parameters())
        assert all(m.training for m in trainable.modules())


def test_frozen_stages_receive_no_gradient_and_keep_statistics(batch):
    model = ResNet(18, frozen_stages=1, norm_eval=False).train()
    before = model.layer1[0].bn1.running_mean.clone()
    model(batch)[-1].sum().backward()
    assert model.layer1[0].conv1.weight.grad is None and model.conv1.weight.grad is None
    assert model.layer2[0].conv1.weight.grad is not None
    torch.testing.assert_close(model.layer1[0].bn1.running_mean, before, rtol=0, atol=0)


def test_norm_eval_freezes_statistics_but_not_affine_parameters(batch):
    model = ResNet(18, norm_eval=True).train()
    assert model.training
    assert all(not m.training for m in model.modules() if isinstance(m, _BatchNorm))
    before = model.layer3[0].bn1.running_var.clone()
    model(batch)[-1].sum().backward()
    torch.testing.assert_close(model.layer3[0].bn1.running_var, before, rtol=0, atol=0)
    assert model.layer3[0].bn1.weight.grad is not None
    plain = ResNet(18, norm_eval=False).train()
    assert all(m.training for m in plain.modules() if isinstance(m, _BatchNorm))


@pytest.mark.parametrize(("depth", "last_norm"), [(18, "bn2"), (50, "bn3")])
def test_zero_init_residual_makes_blocks_start_as_identity(depth, last_norm):
    model = ResNet(depth)
    model.init_weights()
    blocks = [b for layer in (model.layer1, model.layer2, model.layer3, model.layer4) for b in layer]
    assert all(torch.count_nonzero(getattr(b, last_norm).weight) == 0 for b in blocks)
    assert all(torch.all(b.bn1.weight == 1) for b in blocks)
    # a block without a projection shortcut is then ReLU(identity)
    x = torch.rand(1, blocks[1].conv1.in_channels, 4, 4)
    torch.testing.assert_close(blocks[1].eval()(x), x)


def test_zero_init_residual_off_and_kaiming_default():
    model = ResNet(50, zero_init_residual=False)
    model.init_weights()
    assert torch.all(model.layer1[0].bn3.weight == 1)
    conv = model.layer3[0].conv2.weight
    # Kaiming normal, fan_out mode, gain sqrt(2): std = sqrt(2 / (out_channels * 3 * 3))
    expected = (2 / (conv.shape[0] * 9)) ** 0.5
    assert abs(conv.std().item() - expected) / expected < 0.05


def test_zero_init_residual_skipped_with_custom_init_cfg():
    model = ResNet(18, init_cfg=dict(type="Constant", val=0.5, layer="_BatchNorm"))
    model.init_weights()
    assert torch.all(model.layer1[0].bn2.weight == 0.5)


def test_dilation_keeps_resolution_and_pads(image):
    model = ResNet(50, strides=(1, 2, 1, 1), dilations=(1, 1, 2, 4), out_indices=(3,)).eval()
    assert model.layer4[1].conv2.dilation == (4, 4) and model.layer4[1].conv2.padding == (4, 4)
    assert model.layer3[0].conv2.stride == (1, 1)
    assert model(image)[0].shape == (1, 2048, 4, 4)
    assert model.out_strides == (8,)


def test_basic_block_dilation_applies_to_first_conv_only():
    block = BasicBlock(8, 8, dilation=2)
    assert block.conv1.dilation == (2, 2) and block.conv1.padding == (2, 2)
    assert block.conv2.dilation == (1, 1)


def test_plugins_are_built_per_stage_and_position(image):
    plugins = [
        dict(cfg=dict(type="ContextBlock", ratio=1 / 4), stages=(False, True, True, True), position="after_conv3"),
        dict(cfg=dict(type="GeneralizedAttention", spatial_range=-1), position="after_conv2"),
    ]
    snapshot = copy.deepcopy(plugins)
    model = ResNet(50, base_channels=16, plugins=plugins).eval()
    assert plugins == snapshot
    assert not hasattr(model.layer1[0], "context_block")
    assert model.layer2[0].after_conv3_plugin_names == ["context_block"]
    assert model.layer2[0].context_block.in_channels == 128
    assert model.layer1[0].after_conv2_plugin_names == ["gen_attention_block"]
    assert model.layer1[0].gen_attention_block.in_channels == 16
    assert [o.shape[1] for o in model(image)] == [64, 128, 256, 512]


class _Scale(nn.Module):
    """A plugin that multiplies by a constant, so chaining is visible in the output."""

    def __init__(self, in_channels, factor, postfix=""):
        super().__init__()
        self.factor = factor

    def forward(self, x):
        return x * self.factor


def test_plugins_at_one_position_are_chained():
    # The seed feeds the same input to every plugin; chaining means 2 * 3 = 6, not 3.
    block = Bottleneck(16, 4, plugins=[dict(cfg=dict(type="ContextBlock", ratio=1.0), position="after_conv3")])
    block.add_module("scale_a", _Scale(16, 2.0))
    block.add_module("scale_b", _Scale(16, 3.0))
    block.after_conv3_plugin_names = ["scale_a", "scale_b"]
    x = torch.rand(2, 16, 4, 4)
    torch.testing.assert_close(block.forward_plugin(x, ["scale_a", "scale_b"]), x * 6)


def test_duplicate_plugin_names_need_a_postfix():
    cfg = dict(cfg=dict(type="ContextBlock", ratio=1 / 4), position="after_conv3")
    with pytest.raises(ValueError, match="postfix"):
        Bottleneck(64, 16, plugins=[cfg, cfg])
    two = [dict(cfg=dict(type="ContextBlock", ratio=1 / 4, postfix=i), position="after_conv3") for i in (1, 2)]
    assert Bottleneck(64, 16, plugins=two).after_conv3_plugin_names == ["context_block1", "context_block2"]


def test_dcn_config_is_not_mutated_and_fallback_on_stride():
    # A conv registered as 'DCN' is not required: the fallback path is plain conv_cfg.
    dcn = dict(type="Conv2d", fallback_on_stride=True)
    block = Bottleneck(64, 16, stride=2, dcn=dcn)
    assert dcn == dict(type="Conv2d", fallback_on_stride=True)
    assert type(block.conv2) is nn.Conv2d
    block = Bottleneck(64, 16, stride=1, dcn=dict(type="Conv2d", fallback_on_stride=True))
    assert type(block.conv2) is nn.Conv2d


@pytest.mark.peer  # DCN runs on torchvision's deform_conv2d (the cnn-layers[dcn] extra)
def test_dcn_stages_use_the_deformable_conv():
    dcn = dict(type="DCN", deform_groups=1, fallback_on_stride=False)
    model = ResNet(50, dcn=dcn, stage_with_dcn=(False, True, True, True)).eval()
    assert dcn == dict(type="DCN", deform_groups=1, fallback_on_stride=False)
    assert type(model.layer1[0].conv2) is nn.Conv2d
    assert type(model.layer2[0].conv2) is not nn.Conv2d
    # mmdet's DCN checkpoints (e.g. faster_rcnn_r50_fpn_dconv_c3-c5) hold exactly these keys per block
    keys = {k for k in model.state_dict() if k.startswith("layer2.0.conv2")}
    assert keys == {"layer2.0.conv2.weight", "layer2.0.conv2.conv_offset.weight", "layer2.0.conv2.conv_offset.bias"}
    assert model(torch.rand(1, 3, 32, 32))[-1].shape == (1, 2048, 1, 1)


@pytest.mark.parametrize("depth", [18, 50])
def test_with_cp_gives_identical_outputs_and_gradients(depth):
    torch.manual_seed(0)
    plain = ResNet(depth, base_channels=16).train()
    ckpt = ResNet(depth, base_channels=16, with_cp=True).train()
    ckpt.load_state_dict(plain.state_dict())
    x = torch.rand(2, 3, 32, 32)
    x1, x2 = x.clone().requires_grad_(), x.clone().requires_grad_()
    out1, out2 = plain(x1), ckpt(x2)
    for a, b in zip(out1, out2, strict=True):
        torch.testing.assert_close(a, b, rtol=0, atol=0)
    sum(o.sum() for o in out1).backward()
    sum(o.sum() for o in out2).backward()
    torch.testing.assert_close(x1.grad, x2.grad)
    for (name, p1), p2 in zip(plain.named_parameters(), ckpt.parameters(), strict=True):
        torch.testing.assert_close(p1.grad, p2.grad, msg=name)
    # the batch-norm statistics were updated once, not twice, by the recomputation
    torch.testing.assert_close(plain.layer2[0].bn1.running_mean, ckpt.layer2[0].bn1.running_mean)


def _saved_activation_bytes(model: nn.Module, x: torch.Tensor) -> int:
    """Bytes of the tensors autograd keeps for backward, parameters excluded, each storage counted once."""
    params = {p.untyped_storage().data_ptr() for p in model.parameters()}
    seen: dict[int, int] = {}

    def pack(t: torch.Tensor) -> torch.Tensor:
        storage = t.untyped_storage()
        if storage.data_ptr() not in params:
            seen[storage.data_ptr()] = storage.nbytes()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        out = model(x)
    sum(o.sum() for o in out).backward()
    return sum(seen.values())


def test_with_cp_saves_at_least_40_percent_of_activation_memory():
    torch.manual_seed(0)
    x = torch.rand(1, 3, 64, 64)
    plain = _saved_activation_bytes(ResNet(50, out_indices=(3,)).train(), x)
    ckpt = _saved_activation_bytes(ResNet(50, out_indices=(3,), with_cp=True).train(), x.clone())
    assert ckpt <= 0.6 * plain, (ckpt, plain)


def test_with_cp_is_skipped_without_gradients(image):
    model = ResNet(18, with_cp=True).eval()
    with torch.no_grad():
        assert model(image)[-1].shape == (1, 512, 1, 1)


def test_res_layer_downsample_first_false_puts_the_stride_last():
    stage = ResLayer(BasicBlock, 16, 32, num_blocks=3, stride=2, downsample_first=False)
    assert [b.stride for b in stage] == [1, 1, 2]
    assert stage[-1].downsample is not None
    assert stage(torch.rand(1, 16, 8, 8)).shape == (1, 32, 4, 4)


def test_build_from_registry_does_not_mutate_cfg(image):
    cfg = dict(type="ResNetV1d", depth=18, out_indices=[3], norm_cfg=dict(type="GN", num_groups=4))
    snapshot = copy.deepcopy(cfg)
    model = BACKBONES.build(cfg).eval()
    assert cfg == snapshot
    assert type(model.layer1[0].gn1) is nn.GroupNorm
    assert model(image)[0].shape == (1, 512, 1, 1)


def test_norm_cfg_requires_grad_false_freezes_norms():
    model = ResNet(18, norm_cfg=dict(type="BN", requires_grad=False))
    assert all(not p.requires_grad for m in model.modules() if isinstance(m, _BatchNorm) for p in m.parameters())


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(depth=20), ValueError, r"depth=20: expected one of \[18, 34, 50, 101, 152\]"),
        (dict(depth=18, num_stages=5), ValueError, r"num_stages=5"),
        (dict(depth=18, strides=(1, 2)), ValueError, r"strides=\(1, 2\).*expected 4"),
        (dict(depth=18, out_indices=(4,)), ValueError, r"out_indices=\(4,\).*\[0, 3\]"),
        (dict(depth=18, out_indices=3), TypeError, r"out_indices=3"),
        (dict(depth=18, style="tf"), ValueError, r"style='tf'.*'pytorch' or 'caffe'"),
        (dict(depth=18, frozen_stages=5), ValueError, r"frozen_stages=5"),
        (dict(depth=18, pretrained=1), TypeError, r"pretrained=1"),
        (dict(depth=18, pretrained="a.pth", init_cfg=dict(type="Kaiming")), ValueError, r"only one"),
        (dict(depth=18, dcn=dict(type="DCN"), stage_with_dcn=(True,)), ValueError, r"stage_with_dcn"),
        (
            dict(depth=18, dcn=dict(type="Conv2d"), stage_with_dcn=(True, False, False, False)),
            ValueError,
            r"dcn=.*BasicBlock",
        ),
        (dict(depth=50, dcn="DCN"), TypeError, r"dcn='DCN'"),
        (dict(depth=50, plugins=dict(cfg={})), TypeError, r"plugins="),
        (dict(depth=50, plugins=[dict(cfg=dict(type="X"), position="before")]), ValueError, r"position"),
        (
            dict(depth=50, plugins=[dict(cfg=dict(type="X"), position="after_conv1", stages=(True,))]),
            ValueError,
            r"stages",
        ),
    ],
)
def test_bad_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        ResNet(**kwargs)


def test_pretrained_becomes_a_pretrained_init_cfg():
    model = ResNet(50, pretrained="torchvision://resnet50")
    assert model.init_cfg == dict(type="Pretrained", checkpoint="torchvision://resnet50")
    assert not model.zero_init_residual

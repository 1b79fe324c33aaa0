"""HRNet: the published HRNetV2 widths, branch fusion, multiscale_output, freezing and norm_eval."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn
from torch.nn.modules.batchnorm import _BatchNorm

from cnn_backbones import BasicBlock, Bottleneck, HRModule, HRNet


@pytest.mark.parametrize(
    ("name", "width"),
    [("w18_small", 18), ("w18", 18), ("w30", 30), ("w32", 32), ("w40", 40), ("w44", 44), ("w48", 48), ("w64", 64)],
)
def test_published_widths(name, width):
    model = HRNet(name)
    assert model.out_channels == (width, 2 * width, 4 * width, 8 * width)
    assert model.out_strides == (4, 8, 16, 32)
    modules = (1, 3, 2) if name == "w18_small" else (1, 4, 3)
    assert (len(model.stage2), len(model.stage3), len(model.stage4)) == modules
    assert len(model.layer1) == (2 if name == "w18_small" else 4)


@pytest.mark.parametrize(("name", "params"), [("w32", 29_305_536), ("w18_small", 3_860_720)])
def test_parameter_count_without_heads(name, params):
    # The parameters of timm's hrnet_w32 / hrnet_w18_small_v2 (the same networks) outside their
    # classification heads (incre_modules, downsamp_modules, final_layer, classifier).
    assert sum(p.numel() for p in HRNet(name).parameters()) == params


# The shapes depend on the branch widths and the module counts only through the same code paths as
# the published sizes, so a narrow HRNet with two modules in stage 4 shows them (w18_small is checked above).
TINY = dict(
    stage1=dict(num_modules=1, num_branches=1, block="BOTTLENECK", num_blocks=(1,), num_channels=(8,)),
    stage2=dict(num_modules=1, num_branches=2, block="BASIC", num_blocks=(1, 1), num_channels=(4, 8)),
    stage3=dict(num_modules=1, num_branches=3, block="BASIC", num_blocks=(1, 1, 1), num_channels=(4, 8, 16)),
    stage4=dict(num_modules=2, num_branches=4, block="BASIC", num_blocks=(1,) * 4, num_channels=(4, 8, 16, 32)),
)


def test_output_shapes(image):
    model = HRNet(TINY).eval()
    assert [tuple(o.shape) for o in model(image)] == [(1, 4, 8, 8), (1, 8, 4, 4), (1, 16, 2, 2), (1, 32, 1, 1)]


def test_single_scale_output_and_out_indices():
    x = torch.rand(1, 3, 32, 32)
    single = HRNet(TINY, multiscale_output=False).eval()
    assert [tuple(o.shape) for o in single(x)] == [(1, 4, 8, 8)]
    assert len(single.stage4[-1].fuse_layers) == 1 and len(single.stage4[0].fuse_layers) == 4
    picked = HRNet(TINY, out_indices=(2, 3)).eval()
    assert picked.out_channels == (16, 32)
    assert [o.shape[-1] for o in picked(x)] == [2, 1]
    with pytest.raises(ValueError, match=r"out_indices=\(1,\)"):
        HRNet(TINY, multiscale_output=False, out_indices=(1,))


def test_fusion_follows_the_paper():
    module = HRModule(3, BasicBlock, (1, 1, 1), [4, 8, 16], (4, 8, 16))
    up = module.fuse_layers[0][2]
    assert up[0].kernel_size == (1, 1) and isinstance(up[2], nn.Upsample) and up[2].scale_factor == 4
    down = module.fuse_layers[2][0]
    assert [m[0].stride for m in down] == [(2, 2), (2, 2)]
    assert [m[0].out_channels for m in down] == [4, 16]
    assert isinstance(down[0][2], nn.ReLU) and len(down[1]) == 2
    assert module.fuse_layers[1][1] is None


def test_hrmodule_sums_branches_before_relu():
    module = HRModule(2, BasicBlock, (1, 1), [2, 2], (2, 2)).eval()
    for branch in module.branches:
        branch[0].forward = lambda x: x  # the branch blocks become identities
    with torch.no_grad():
        for m in module.fuse_layers.modules():
            if isinstance(m, nn.Conv2d):
                m.weight.fill_(1.0)
    x = [torch.rand(1, 2, 4, 4) - 0.5, torch.rand(1, 2, 2, 2) - 0.5]
    with torch.no_grad():
        out = module(x)
        bn = module.fuse_layers[0][1][1]
        up = bn(x[1].sum(1, keepdim=True).expand(1, 2, 2, 2)).repeat_interleave(2, 2).repeat_interleave(2, 3)
    torch.testing.assert_close(out[0], torch.relu(x[0] + up))


def test_norm_eval_and_frozen_stages(batch):
    model = HRNet("w18_small", norm_eval=True, frozen_stages=2).train()
    assert all(not m.training for m in model.modules() if isinstance(m, _BatchNorm))
    assert all(not p.requires_grad for p in model.layer1.parameters())
    assert all(not p.requires_grad for p in model.stage2.parameters())
    assert all(p.requires_grad for p in model.stage3.parameters())
    model(batch)[0].sum().backward()
    assert model.stage3[0].branches[0][0].conv1.weight.grad is not None


def test_zero_init_residual(batch):
    model = HRNet("w18_small", zero_init_residual=True)
    model.init_weights()
    assert torch.count_nonzero(model.layer1[0].bn3.weight) == 0
    assert torch.count_nonzero(model.stage2[0].branches[1][0].bn2.weight) == 0


def test_with_cp_matches(batch):
    torch.manual_seed(0)
    plain, ckpt = HRNet("w18_small").train(), HRNet("w18_small", with_cp=True).train()
    ckpt.load_state_dict(plain.state_dict())
    for a, b in zip(plain(batch), ckpt(batch), strict=True):
        torch.testing.assert_close(a, b)


def test_extra_dict_is_not_mutated_and_is_validated():
    extra = copy.deepcopy(HRNet.arch_settings["w18"])
    snapshot = copy.deepcopy(extra)
    HRNet(extra)
    assert extra == snapshot
    extra["stage3"]["num_channels"] = (18, 36)
    with pytest.raises(ValueError, match=r"extra\['stage3'\]"):
        HRNet(extra)
    with pytest.raises(ValueError, match="extra='w96'"):
        HRNet("w96")
    with pytest.raises(TypeError, match="give one of them"):
        HRNet()
    with pytest.raises(TypeError, match="give one of them"):
        HRNet("w18", arch="w32")
    with pytest.raises(TypeError, match="extra=18"):
        HRNet(18)
    bad = copy.deepcopy(snapshot)
    bad["stage2"]["block"] = "BASICBLOCK"
    with pytest.raises(ValueError, match="'BASICBLOCK'"):
        HRNet(bad)


def test_hrmodule_checks_one_value_per_branch():
    with pytest.raises(ValueError, match=r"num_channels=\(4,\): expected 2 values, one per branch"):
        HRModule(2, BasicBlock, (1, 1), [4, 8], (4,))


def test_a_single_branch_hrmodule_fuses_nothing_and_widens_through_a_downsample():
    module = HRModule(1, Bottleneck, (2,), [8], (4,)).eval()  # 8 channels in, 4 * 4 out
    assert module.fuse_layers is None
    assert isinstance(module.branches[0][0].downsample[0], nn.Conv2d) and module.branches[0][1].downsample is None
    x = torch.rand(1, 8, 4, 4)
    with torch.no_grad():
        (out,) = module([x])
        torch.testing.assert_close(out, module.branches[0](x))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(arch=18), TypeError, r"arch=18: expected a name, one of \['w18', "),
        (dict(arch="w18_small", frozen_stages=5), ValueError, r"frozen_stages=5: expected an int in \[-1, 4\]"),
        (dict(extra=dict(HRNet.arch_settings["w18"], stage4=dict(block="BASIC"))), ValueError, r"extra\['stage4'\]="),
    ],
)
def test_bad_arguments_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        HRNet(**kwargs)

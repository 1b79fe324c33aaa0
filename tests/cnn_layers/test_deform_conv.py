"""DCN and DCNv2 against torchvision's deform_conv2d (peer), and their error without torchvision."""

from __future__ import annotations

import importlib.util
import math

import pytest
import torch
import torch.nn.functional as F

from cnn_layers import CONV_LAYERS, DeformConv2d, ModulatedDeformConv2d, build_conv_layer

HAS_TORCHVISION = importlib.util.find_spec("torchvision") is not None


@pytest.mark.skipif(HAS_TORCHVISION, reason="torchvision is installed, so the missing-extra error cannot happen")
@pytest.mark.parametrize("name", ["DCN", "DCNv2"])
def test_without_torchvision_the_error_names_the_install_line(name):
    cfg = dict(type=name)
    with pytest.raises(ImportError, match=r'install it with: pip install "cnn-layers\[dcn\]"'):
        build_conv_layer(cfg, 4, 4, 3)
    assert cfg == dict(type=name)


def test_names_are_registered_without_importing_torchvision():
    assert CONV_LAYERS.get("DCN") is DeformConv2d
    assert CONV_LAYERS.get("DCNv2") is ModulatedDeformConv2d


def randomise_offsets(layer, scale=0.3):
    torch.manual_seed(3)
    with torch.no_grad():
        layer.conv_offset.weight.normal_(0, scale)
        layer.conv_offset.bias.normal_(0, scale)


@pytest.mark.peer
def test_fresh_dcn_is_the_plain_convolution():
    torch.manual_seed(0)
    dcn = build_conv_layer(dict(type="DCN", deform_groups=2), 4, 6, 3, stride=2, padding=1, dilation=1, bias=False)
    x = torch.randn(2, 4, 7, 7)
    torch.testing.assert_close(dcn(x), F.conv2d(x, dcn.weight, None, stride=2, padding=1), rtol=1e-4, atol=1e-5)


@pytest.mark.peer
def test_fresh_dcnv2_is_half_the_plain_convolution_plus_bias():
    torch.manual_seed(0)
    dcn = build_conv_layer(dict(type="DCNv2"), 4, 6, 3, padding=2, dilation=2)
    x = torch.randn(1, 4, 6, 5)
    expected = 0.5 * F.conv2d(x, dcn.weight, None, padding=2, dilation=2) + dcn.bias.view(1, -1, 1, 1)
    torch.testing.assert_close(dcn(x), expected, rtol=1e-4, atol=1e-5)


@pytest.mark.peer
@pytest.mark.parametrize(("groups", "deform_groups", "stride"), [(1, 1, 1), (2, 2, 2), (1, 4, 1)])
def test_dcn_equals_torchvision_deform_conv2d(groups, deform_groups, stride):
    from torchvision.ops import deform_conv2d

    torch.manual_seed(0)
    dcn = DeformConv2d(4, 6, 3, stride=stride, padding=1, groups=groups, deform_groups=deform_groups, bias=True)
    randomise_offsets(dcn)
    x = torch.randn(2, 4, 6, 6)
    offset = F.conv2d(x, dcn.conv_offset.weight, dcn.conv_offset.bias, stride=stride, padding=1)
    assert offset.shape[1] == deform_groups * 2 * 9
    expected = deform_conv2d(x, offset, dcn.weight, dcn.bias, stride=(stride, stride), padding=(1, 1))
    torch.testing.assert_close(dcn(x), expected)


@pytest.mark.peer
def test_dcnv2_equals_torchvision_deform_conv2d_with_mask():
    from torchvision.ops import deform_conv2d

    torch.manual_seed(0)
    dcn = ModulatedDeformConv2d(3, 5, (3, 1), padding=(1, 0), deform_groups=1)
    randomise_offsets(dcn)
    x = torch.randn(2, 3, 5, 4)
    out = F.conv2d(x, dcn.conv_offset.weight, dcn.conv_offset.bias, padding=(1, 0))
    k = 3
    offset, mask = out[:, : 2 * k], out[:, 2 * k :].sigmoid()  # offsets first, then mask logits
    expected = deform_conv2d(x, offset, dcn.weight, dcn.bias, padding=(1, 0), mask=mask)
    torch.testing.assert_close(dcn(x), expected)


@pytest.mark.peer
def test_offset_moves_the_sampling_point():
    """A constant offset of +1 row on a 1x1 DCN samples the next row: hand-computed."""
    dcn = DeformConv2d(1, 1, 1)
    with torch.no_grad():
        dcn.weight.fill_(1.0)
        dcn.conv_offset.bias.copy_(torch.tensor([1.0, 0.0]))  # (dy, dx)
    x = torch.arange(12.0).view(1, 1, 3, 4)
    expected = torch.tensor([[4.0, 5.0, 6.0, 7.0], [8.0, 9.0, 10.0, 11.0], [0.0, 0.0, 0.0, 0.0]])
    torch.testing.assert_close(dcn(x)[0, 0], expected)


@pytest.mark.peer
def test_gradients_reach_weight_and_offsets():
    torch.manual_seed(0)
    dcn = ModulatedDeformConv2d(2, 2, 3, padding=1)
    randomise_offsets(dcn, scale=0.1)
    dcn(torch.randn(1, 2, 5, 5)).square().sum().backward()
    for name, param in dcn.named_parameters():
        assert param.grad is not None and param.grad.abs().sum() > 0, name


@pytest.mark.peer
@pytest.mark.parametrize("name", ["DCN", "DCNv2"])
def test_mmcv1_spelling_deformable_groups(name):
    cfg = dict(type=name, deformable_groups=2)
    layer = build_conv_layer(cfg, 4, 4, 3, padding=1)
    assert layer.deform_groups == 2 and cfg == dict(type=name, deformable_groups=2)
    assert layer.conv_offset.out_channels == 2 * layer.offset_factor * 9
    assert build_conv_layer(dict(type=name, deform_groups=2, deformable_groups=2), 4, 4, 3).deform_groups == 2
    with pytest.raises(TypeError, match="deform_groups=2 and deformable_groups=4; .*give one"):
        build_conv_layer(dict(type=name, deform_groups=2, deformable_groups=4), 4, 4, 3)


@pytest.mark.peer
def test_old_conv_offset_mask_checkpoint_loads_inside_a_model_through_torch_load_state_dict():
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Conv2d(2, 4, 1), ModulatedDeformConv2d(4, 4, 3, padding=1))
    old = {key.replace("conv_offset", "conv_offset_mask"): torch.randn_like(v) for key, v in model.state_dict().items()}
    assert "1.conv_offset_mask.weight" in old
    result = model.load_state_dict(dict(old), strict=True)
    assert (result.missing_keys, result.unexpected_keys) == ([], [])
    torch.testing.assert_close(model[1].conv_offset.weight, old["1.conv_offset_mask.weight"], rtol=0, atol=0)
    torch.testing.assert_close(model[1].conv_offset.bias, old["1.conv_offset_mask.bias"], rtol=0, atol=0)


@pytest.mark.peer
def test_state_dict_keys_match_openmmlab_and_load_old_names():
    dcn = build_conv_layer(dict(type="DCN"), 4, 4, 3, padding=1)
    assert list(dcn.state_dict()) == ["weight", "conv_offset.weight", "conv_offset.bias"]
    assert dcn.conv_offset.out_channels == 18
    v2 = build_conv_layer(dict(type="DCNv2", deform_groups=2), 4, 4, 3, padding=1)
    assert list(v2.state_dict()) == ["weight", "bias", "conv_offset.weight", "conv_offset.bias"]
    assert v2.conv_offset.out_channels == 54
    old = {k.replace("conv_offset", "conv_offset_mask"): torch.full_like(v, 0.25) for k, v in v2.state_dict().items()}
    v2.load_state_dict(old, strict=True)
    assert torch.all(v2.conv_offset.weight == 0.25)


@pytest.mark.peer
def test_init_offset_restores_the_regular_grid():
    dcn = DeformConv2d(2, 2, 3, padding=1)
    randomise_offsets(dcn)
    dcn.init_offset()
    x = torch.randn(1, 2, 4, 4)
    torch.testing.assert_close(dcn(x), F.conv2d(x, dcn.weight, padding=1), rtol=1e-4, atol=1e-5)


@pytest.mark.peer
def test_bad_arguments_and_input():
    with pytest.raises(ValueError, match=r"in_channels \(3\) must be divisible by deform_groups \(2\)"):
        DeformConv2d(3, 4, 3, deform_groups=2)
    with pytest.raises(ValueError, match="deform_groups must be a positive int, got 0"):
        DeformConv2d(4, 4, 3, deform_groups=0)
    with pytest.raises(ValueError, match=r"expected a 4D \(N, C, H, W\) input, got shape \(4, 5, 5\)"):
        DeformConv2d(4, 4, 3)(torch.zeros(4, 5, 5))
    assert math.isclose(torch.sigmoid(torch.tensor(0.0)).item(), 0.5)


@pytest.mark.peer
def test_dcn_survives_save_load_and_compiles_without_graph_breaks(tmp_path):
    torch.manual_seed(0)
    dcn = ModulatedDeformConv2d(2, 2, 3, padding=1)
    randomise_offsets(dcn, scale=0.1)
    x = torch.randn(1, 2, 4, 4)
    torch.save(dcn, tmp_path / "dcn.pt")
    loaded = torch.load(tmp_path / "dcn.pt", weights_only=False)
    torch.testing.assert_close(loaded(x), dcn(x))
    compiled = torch.compile(dcn, fullgraph=True, backend="eager")
    torch.testing.assert_close(compiled(x), dcn(x))

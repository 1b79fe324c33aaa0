"""cnn-zoo loads cnn-layers' legacy checkpoints through the layers' own load hooks (torch does the loading)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from cnn_layers import ConvAWS2d, ModulatedDeformConv2d
from cnn_zoo import load_checkpoint, load_state_dict


@pytest.fixture
def no_torchvision_needed(monkeypatch):
    """DCN layers fetch torchvision's kernel when built; loading weights never runs it."""
    from cnn_layers import deform_conv

    monkeypatch.setattr(deform_conv, "torchvision_deform_conv2d", lambda: None)


def dcn_block() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 1), ModulatedDeformConv2d(4, 4, 3, padding=1))


def legacy_dcn_state_dict(model: nn.Module) -> dict[str, torch.Tensor]:
    """The state dict an mmcv 1.x DCNv2 wrote: the offset convolution is called ``conv_offset_mask``."""
    return {k.replace("conv_offset.", "conv_offset_mask."): v.clone() for k, v in model.state_dict().items()}


def test_old_dcnv2_checkpoint_loads_through_the_layers_hook(tmp_path, no_torchvision_needed):
    source = dcn_block()
    with torch.no_grad():
        source[1].conv_offset.weight.normal_()
    path = tmp_path / "old_dcn.pth"
    torch.save({"state_dict": legacy_dcn_state_dict(source)}, path)
    target = nn.Sequential(nn.Conv2d(3, 4, 1), ModulatedDeformConv2d(4, 4, 3, padding=1))
    load_checkpoint(target, str(path), strict=True)
    assert torch.equal(target[1].conv_offset.weight, source[1].conv_offset.weight)
    assert torch.equal(target[1].conv_offset.bias, source[1].conv_offset.bias)


def test_conv_aws_accepts_a_plain_conv_checkpoint_under_strict():
    torch.manual_seed(0)
    plain = nn.Conv2d(3, 8, 3)
    aws = ConvAWS2d(3, 8, 3)
    report = load_state_dict(aws, plain.state_dict(), strict=True)
    assert report.ok
    x = torch.randn(1, 3, 8, 8)
    torch.testing.assert_close(aws(x), plain(x), rtol=1e-4, atol=1e-4)

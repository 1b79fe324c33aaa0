"""Res2Net: the hierarchical bottleneck, checked against a hand-written computation."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from cnn_backbones import Bottle2neck, Res2Net


def test_v1d_layout_and_keys():
    model = Res2Net(depth=50, scales=4, base_width=26)
    keys = set(model.state_dict())
    assert {"stem.0.weight", "stem.7.running_var", "layer1.0.convs.2.weight", "layer1.0.bns.2.bias"} <= keys
    assert {"layer1.0.downsample.1.weight", "layer4.0.downsample.2.running_mean"} <= keys
    assert not any(".conv2." in k or ".bn2." in k for k in keys)
    block = model.layer2[0]
    assert block.width == 52 and block.conv1.out_channels == 208 and len(block.convs) == 3
    assert isinstance(block.pool, nn.AvgPool2d) and not hasattr(model.layer1[0], "pool")
    assert model.layer2[1].stage_type == "normal" and block.stage_type == "stage"


def _reference_block(block: Bottle2neck, x: torch.Tensor) -> torch.Tensor:
    """Res2Net's equations (Gao et al. 2019, eq. 1), written out for one block in eval mode."""
    out = F.relu(block.bn1(block.conv1(x)))
    xs = torch.split(out, block.width, dim=1)
    ys = []
    for i in range(block.scales - 1):
        inp = xs[i] if (i == 0 or block.stage_type == "stage") else xs[i] + ys[-1]
        ys.append(F.relu(block.bns[i](block.convs[i](inp))))
    last = xs[-1]
    if block.stage_type == "stage" and block.conv2_stride != 1:
        last = F.avg_pool2d(last, 3, block.conv2_stride, 1)
    out = block.bn3(block.conv3(torch.cat([*ys, last], dim=1)))
    identity = x if block.downsample is None else block.downsample(x)
    return F.relu(out + identity)


@pytest.mark.parametrize("index", [(2, 0), (2, 1)])
def test_block_computes_the_published_equations(index, randomize_norms):
    model = randomize_norms(Res2Net(depth=50, scales=4, base_width=8, base_channels=16)).eval()
    block = getattr(model, f"layer{index[0]}")[index[1]]
    x = torch.rand(1, block.conv1.in_channels, 8, 8)
    with torch.no_grad():
        torch.testing.assert_close(block(x), _reference_block(block, x))


def test_output_shapes(image):
    # the shapes depend on depth, scales and widths only through the channel arithmetic: a small config shows it
    model = Res2Net(depth=50, scales=3, base_width=4, base_channels=8, out_indices=(1, 3)).eval()
    assert [tuple(o.shape) for o in model(image)] == [(1, 64, 4, 4), (1, 256, 1, 1)]
    assert model.out_channels == (64, 256)
    assert model.layer1[0].width == 4 and len(model.layer1[0].convs) == 2


def test_plain_res2net_without_deep_stem():
    # mmpretrain's Res2Net configs (res2net50-w14-s8 ...) use the 7x7 stem and strided-conv shortcuts
    model = Res2Net(depth=50, scales=3, base_width=4, base_channels=8, deep_stem=False, avg_down=False)
    keys = set(model.state_dict())
    assert {"conv1.weight", "bn1.weight", "layer2.0.downsample.0.weight", "layer2.0.downsample.1.bias"} <= keys
    assert not any(k.startswith("stem.") for k in keys)
    assert model.stem_stride == 4 and model.out_strides == (4, 8, 16, 32)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="style='caffe'"):
        Res2Net(depth=50, style="caffe")
    with pytest.raises(ValueError, match="scales=1"):
        Bottle2neck(64, 16, scales=1)


def test_the_middle_hook_replaces_conv2():
    block = Bottle2neck(64, 16, scales=4, base_width=8, base_channels=16, downsample=nn.Conv2d(64, 64, 1))
    assert not hasattr(block, "conv2") and not hasattr(block, "norm2")
    assert block.conv1.out_channels == 32 and block.width == 8

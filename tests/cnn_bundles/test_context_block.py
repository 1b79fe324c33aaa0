"""ContextBlock (GCNet) against the formula."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from cnn_bundles import ContextBlock


def transform(seq: nn.Sequential, context: torch.Tensor) -> torch.Tensor:
    conv1, ln, _, conv2 = seq
    hidden = conv1.weight[:, :, 0, 0] @ context + conv1.bias
    hidden = (hidden - hidden.mean()) / torch.sqrt(hidden.var(unbiased=False) + ln.eps)
    hidden = torch.relu(hidden * ln.weight.reshape(-1) + ln.bias.reshape(-1))
    return conv2.weight[:, :, 0, 0] @ hidden + conv2.bias


@pytest.mark.parametrize("pooling_type", ["att", "avg"])
@pytest.mark.parametrize("fusion_types", [("channel_add",), ("channel_mul",), ("channel_add", "channel_mul")])
def test_matches_the_formula(pooling_type: str, fusion_types: tuple[str, ...]) -> None:
    block = ContextBlock(8, ratio=0.5, pooling_type=pooling_type, fusion_types=fusion_types)
    for branch in (block.channel_add_conv, block.channel_mul_conv):
        if branch is not None:
            nn.init.normal_(branch[-1].weight)
    x = torch.randn(2, 8, 3, 4)
    expected = []
    for sample in x:
        flat = sample.reshape(8, -1)
        if pooling_type == "att":
            scores = block.conv_mask.weight.reshape(-1) @ flat + block.conv_mask.bias
            context = flat @ scores.softmax(dim=0)
        else:
            context = flat.mean(dim=1)
        out = sample
        if block.channel_mul_conv is not None:
            out = out * torch.sigmoid(transform(block.channel_mul_conv, context))[:, None, None]
        if block.channel_add_conv is not None:
            out = out + transform(block.channel_add_conv, context)[:, None, None]
        expected.append(out)
    assert torch.allclose(block(x), torch.stack(expected), atol=1e-5)


def test_new_block_is_the_identity_with_channel_add() -> None:
    x = torch.randn(2, 16, 4, 4)
    assert torch.equal(ContextBlock(16, ratio=1 / 4)(x), x)


def test_state_dict_keys_match_gcnet_checkpoints() -> None:
    keys = list(ContextBlock(16, ratio=1 / 4).state_dict())
    assert keys == [
        "conv_mask.weight",
        "conv_mask.bias",
        "channel_add_conv.0.weight",
        "channel_add_conv.0.bias",
        "channel_add_conv.1.weight",
        "channel_add_conv.1.bias",
        "channel_add_conv.3.weight",
        "channel_add_conv.3.bias",
    ]


def test_gradients_flow() -> None:
    block = ContextBlock(8, ratio=0.5, fusion_types=("channel_add", "channel_mul"))
    nn.init.normal_(block.channel_add_conv[-1].weight)
    nn.init.normal_(block.channel_mul_conv[-1].weight)
    block(torch.randn(2, 8, 3, 3)).square().sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in block.parameters())


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(pooling_type="max"), "pooling_type must be one of .* got 'max'"),
        (dict(fusion_types=()), "fusion_types must be a non-empty"),
        (dict(fusion_types="channel_add"), "fusion_types must be a non-empty .* got 'channel_add'"),
        (dict(fusion_types=("channel_cat",)), r"got \('channel_cat',\)"),
        (dict(ratio=1 / 32), r"in_channels \* ratio must be at least 1, got 16 \* 0.03125"),
    ],
)
def test_bad_arguments(kwargs: dict, match: str) -> None:
    kwargs = {"ratio": 0.25, **kwargs}
    with pytest.raises(ValueError, match=match):
        ContextBlock(16, **kwargs)


def test_init_cfg_replaces_the_default_init() -> None:
    block = ContextBlock(8, ratio=0.5, init_cfg=dict(type="Constant", val=0.5, layer="Conv2d"))
    block.init_weights()
    assert torch.equal(block.conv_mask.weight, torch.full_like(block.conv_mask.weight, 0.5))
    assert torch.equal(block.channel_add_conv[3].weight, torch.full_like(block.channel_add_conv[3].weight, 0.5))

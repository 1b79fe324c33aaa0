"""SELayer: squeeze-and-excitation, checked against the formula."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from cnn_bundles import SELayer


def test_output_is_the_input_times_the_excitation() -> None:
    se = SELayer(8, ratio=4)
    x = torch.randn(2, 8, 5, 5)
    c1, c2 = se.conv1.conv, se.conv2.conv
    squeezed = x.mean(dim=(2, 3))
    gate = torch.sigmoid(
        F.linear(F.relu(F.linear(squeezed, c1.weight[:, :, 0, 0], c1.bias)), c2.weight[:, :, 0, 0], c2.bias)
    )
    assert torch.allclose(se(x), x * gate[:, :, None, None], atol=1e-6)


def test_squeeze_channels_from_ratio_or_given() -> None:
    assert SELayer(64).conv1.conv.out_channels == 4
    assert SELayer(64, ratio=8).conv1.conv.out_channels == 8
    assert SELayer(64, squeeze_channels=20).conv2.conv.in_channels == 20


def test_one_act_cfg_serves_both() -> None:
    se = SELayer(8, ratio=2, act_cfg=dict(type="HSigmoid"))
    assert type(se.conv1.activate).__name__ == type(se.conv2.activate).__name__ == "HSigmoid"


def test_state_dict_keys() -> None:
    assert list(SELayer(8, ratio=2).state_dict()) == [
        "conv1.conv.weight",
        "conv1.conv.bias",
        "conv2.conv.weight",
        "conv2.conv.bias",
    ]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(ratio=16), r"squeeze_channels must be a positive int, got 0 \(channels=8, ratio=16\)"),
        (dict(ratio=0), "ratio must be positive, got 0"),
        (dict(act_cfg=(dict(type="ReLU"),)), "act_cfg must be a dict or a pair of dicts"),
        (dict(squeeze_channels=2.5), "squeeze_channels must be a positive int, got 2.5"),
    ],
)
def test_bad_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        SELayer(8, **kwargs)


def test_gradients_flow() -> None:
    se = SELayer(8, ratio=2)
    x = torch.randn(2, 8, 4, 4, requires_grad=True)
    se(x).sum().backward()
    assert x.grad is not None and all(p.grad is not None for p in se.parameters())

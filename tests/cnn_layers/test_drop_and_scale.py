"""DropPath, Dropout, Scale and LayerScale."""

from __future__ import annotations

import pytest
import torch

from cnn_layers import DROPOUT_LAYERS, Dropout, DropPath, LayerScale, Scale, build_dropout


def test_drop_path_drops_whole_samples_and_rescales_the_rest():
    torch.manual_seed(0)
    layer = DropPath(drop_prob=0.5).train()
    out = layer(torch.ones(64, 3, 2, 2))
    per_sample = out.flatten(1)
    kept = per_sample[:, 0] != 0
    assert torch.all(per_sample[kept] == 2.0)  # 1 / keep_prob
    assert torch.all(per_sample[~kept] == 0.0)
    assert 0 < int(kept.sum()) < 64


def test_drop_path_is_the_identity_in_eval_and_at_zero():
    x = torch.randn(4, 3)
    assert DropPath(0.5).eval()(x) is x
    assert DropPath(0.0).train()(x) is x


def test_drop_path_gradient_follows_the_mask():
    torch.manual_seed(1)
    x = torch.ones(8, 2, requires_grad=True)
    out = DropPath(0.25).train()(x)
    out.sum().backward()
    torch.testing.assert_close(x.grad, out.detach())


@pytest.mark.parametrize("drop_prob", [-0.1, 1.0, "0.5", True])
def test_drop_path_bad_probability(drop_prob):
    with pytest.raises(ValueError, match=f"drop_prob must be a float in \\[0, 1\\), got {drop_prob!r}"):
        DropPath(drop_prob)


def test_dropout_takes_drop_prob_and_is_torch_dropout():
    layer = build_dropout(dict(type="Dropout", drop_prob=0.2, inplace=True))
    assert isinstance(layer, torch.nn.Dropout)
    assert (layer.p, layer.inplace) == (0.2, True)
    assert isinstance(Dropout(), torch.nn.Dropout)


def test_build_dropout_default_args_fill_gaps_only():
    cfg = dict(type="DropPath")
    assert build_dropout(cfg, default_args=dict(drop_prob=0.3)).drop_prob == 0.3
    assert build_dropout(dict(type="DropPath", drop_prob=0.1), default_args=dict(drop_prob=0.3)).drop_prob == 0.1
    assert cfg == dict(type="DropPath")
    assert set(DROPOUT_LAYERS) >= {"Dropout", "DropPath"}


def test_scale_is_learnable():
    layer = Scale(0.5)
    out = layer(torch.tensor([2.0, 4.0]))
    assert out.tolist() == [1.0, 2.0]
    out.sum().backward()
    assert layer.scale.grad.item() == 6.0
    assert list(layer.state_dict()) == ["scale"]


def test_layer_scale_channels_last_and_first():
    x = torch.arange(6.0).view(1, 2, 3)
    last = LayerScale(3, scale=2.0)
    torch.testing.assert_close(last(x), x * 2.0)
    first = LayerScale(2, data_format="channels_first")
    with torch.no_grad():
        first.weight.copy_(torch.tensor([1.0, 10.0]))
    assert first(x).tolist() == [[[0.0, 1.0, 2.0], [30.0, 40.0, 50.0]]]
    assert list(first.state_dict()) == ["weight"]


def test_layer_scale_inplace_changes_the_input():
    x = torch.ones(2, 3)
    LayerScale(3, inplace=True, scale=3.0).requires_grad_(False)(x)
    assert x.sum().item() == 18.0


def test_layer_scale_bad_input():
    with pytest.raises(ValueError, match="data_format must be one of"):
        LayerScale(3, data_format="nchw")
    with pytest.raises(ValueError, match="dim must be a positive int, got 0"):
        LayerScale(0)
    with pytest.raises(ValueError, match=r"expected 3 channels on axis 1 \(channels_first\), got input of shape"):
        LayerScale(3, data_format="channels_first")(torch.zeros(1, 4, 2, 2))

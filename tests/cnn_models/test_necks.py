"""GlobalAveragePooling and GeneralizedMeanPooling against hand-computed values."""

from __future__ import annotations

import pytest
import torch

from cnn_models import GeneralizedMeanPooling, GlobalAveragePooling, build_neck


@pytest.mark.parametrize("dim", [1, 2, 3])
def test_gap_averages_every_position(dim):
    x = torch.arange(2 * 3 * 4**dim, dtype=torch.float32).reshape(2, 3, *([4] * dim))
    out = GlobalAveragePooling(dim=dim)(x)
    torch.testing.assert_close(out, x.flatten(2).mean(dim=2))
    assert out.shape == (2, 3)


def test_gap_maps_a_tuple_to_a_tuple():
    outs = GlobalAveragePooling()((torch.ones(1, 2, 3, 3), torch.full((1, 4, 2, 2), 5.0)))
    assert isinstance(outs, tuple)
    assert [o.tolist() for o in outs] == [[[1.0, 1.0]], [[5.0] * 4]]


def test_gap_rejects_bad_dim_and_bad_input():
    with pytest.raises(ValueError, match="dim must be 1, 2 or 3 .* got 4"):
        GlobalAveragePooling(dim=4)
    with pytest.raises(ValueError, match=r"expects inputs of 4 dimensions .* got shape \(2, 3\)"):
        GlobalAveragePooling()(torch.ones(2, 3))
    with pytest.raises(TypeError, match="inputs must be a tensor or a tuple of tensors, got str"):
        GlobalAveragePooling()("x")


def test_gem_by_hand_and_limits():
    x = torch.tensor([1.0, 2.0, 3.0, 4.0]).reshape(1, 1, 2, 2)
    assert GeneralizedMeanPooling(p=3.0)(x).item() == pytest.approx(((1 + 8 + 27 + 64) / 4) ** (1 / 3))
    assert GeneralizedMeanPooling(p=1.0)(x).item() == pytest.approx(2.5)  # the average
    assert GeneralizedMeanPooling(p=50.0)(x).item() == pytest.approx(4.0, rel=0.03)  # towards the max


def test_gem_clamps_negative_inputs_and_learns_p():
    neck = GeneralizedMeanPooling(p=2.0, eps=1e-6)
    x = torch.tensor([-5.0, 2.0]).reshape(1, 1, 2, 1)
    assert neck(x).item() == pytest.approx((4 / 2) ** 0.5, rel=1e-5)
    neck((x,))[0].sum().backward()
    assert neck.p.grad is not None
    assert [n for n, _ in neck.named_parameters()] == ["p"]


def test_gem_validates_arguments():
    with pytest.raises(ValueError, match="p must be a number >= 1, got 0.5"):
        GeneralizedMeanPooling(p=0.5)
    with pytest.raises(ValueError, match="eps must be a positive number, got 0"):
        GeneralizedMeanPooling(eps=0)


def test_build_neck_from_config_without_mutating_it():
    cfg = dict(type="GeneralizedMeanPooling", p=4.0)
    neck = build_neck(cfg)
    assert cfg == dict(type="GeneralizedMeanPooling", p=4.0)
    assert neck.p.item() == 4.0

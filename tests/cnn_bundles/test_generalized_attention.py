"""GeneralizedAttention against a query-by-query, key-by-key computation of the paper's four terms."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from cnn_bundles import GeneralizedAttention


def offset_feature(block: GeneralizedAttention, fc: torch.nn.Linear, q: int, k: int) -> torch.Tensor:
    """r for one query index and one key index along an axis: fc(sin/cos embedding) / sqrt(2)."""
    offset = (q * block.q_stride - k * block.kv_stride) * block.position_magnitude
    dim = block.position_embedding_dim
    angles = torch.tensor([offset / 1000.0 ** (4.0 * i / dim) for i in range(dim // 4)])
    return fc(torch.cat([angles.sin(), angles.cos()])) / math.sqrt(2)


def allowed(block: GeneralizedAttention, q: int, k: int) -> bool:
    r, s = block.spatial_range, block.kv_stride
    return block.spatial_range < 0 or (q - r) // s <= k <= (q + r + 1) // s


def reference(block: GeneralizedAttention, x: torch.Tensor) -> torch.Tensor:
    flags = [f == "1" for f in block.attention_type]
    x_q = x[:, :, :: block.q_stride, :: block.q_stride]
    x_kv = x[:, :, :: block.kv_stride, :: block.kv_stride]
    n, _, h, w = x_q.shape
    h_kv, w_kv = x_kv.shape[2:]
    heads, d = block.num_heads, block.qk_embed_dim
    query = block.query_conv(x_q) if (flags[0] or flags[1]) else None
    key = block.key_conv(x_kv) if (flags[0] or flags[2]) else None
    value = block.value_conv(x_kv)
    out = torch.zeros(n, heads * block.v_dim, h, w)
    for b in range(n):
        for a in range(heads):
            part = slice(a * d, (a + 1) * d)
            for y in range(h):
                for xq in range(w):
                    logits, values = [], []
                    for Y in range(h_kv):
                        for X in range(w_kv):
                            if not (allowed(block, y, Y) and allowed(block, xq, X)):
                                continue
                            energy = torch.tensor(0.0)
                            if flags[1] or flags[3]:
                                r = (
                                    offset_feature(block, block.appr_geom_fc_x, xq, X)
                                    + offset_feature(block, block.appr_geom_fc_y, y, Y)
                                )[part]
                            if flags[0]:
                                energy = energy + query[b, part, y, xq] @ key[b, part, Y, X]
                            if flags[1]:
                                energy = energy + query[b, part, y, xq] @ r
                            if flags[2]:
                                energy = energy + block.appr_bias[part] @ key[b, part, Y, X]
                            if flags[3]:
                                energy = energy + block.geom_bias[part] @ r
                            logits.append(energy)
                            values.append(value[b, a * block.v_dim : (a + 1) * block.v_dim, Y, X])
                    weights = torch.stack(logits).softmax(dim=0)
                    out[b, a * block.v_dim : (a + 1) * block.v_dim, y, xq] = weights @ torch.stack(values)
    out = block.proj_conv(out)
    if block.q_stride > 1:
        out = F.interpolate(out, size=x.shape[2:], mode="bilinear", align_corners=False)
    return block.gamma * out + x


@pytest.mark.parametrize(
    ("attention_type", "kwargs"),
    [
        ("1000", {}),
        ("0100", {}),
        ("0010", {}),
        ("0001", {}),
        ("1111", {}),
        ("0101", dict(position_magnitude=2)),
        ("1100", dict(kv_stride=1)),
        ("1111", dict(q_stride=2, kv_stride=1)),
        ("1111", dict(spatial_range=1)),
        ("1010", dict(spatial_range=0, kv_stride=1)),
    ],
)
def test_matches_the_per_position_definition(attention_type: str, kwargs: dict) -> None:
    block = GeneralizedAttention(8, num_heads=2, attention_type=attention_type, **kwargs)
    torch.nn.init.constant_(block.gamma, 0.7)
    x = torch.randn(1, 8, 4, 6)  # not square: rows and columns must not be mixed up
    with torch.no_grad():
        assert torch.allclose(block(x), reference(block, x), atol=1e-5)


def test_new_block_is_the_identity() -> None:
    x = torch.randn(1, 16, 5, 5)
    assert torch.equal(GeneralizedAttention(16, num_heads=4)(x), x)


def test_gradients_reach_every_parameter() -> None:
    block = GeneralizedAttention(8, num_heads=2, spatial_range=2, kv_stride=1)
    torch.nn.init.constant_(block.gamma, 0.5)
    block(torch.randn(2, 8, 4, 4)).square().sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in block.parameters())


def test_parameter_names_match_mmcv_and_mmcv_mask_is_accepted() -> None:
    block = GeneralizedAttention(8, num_heads=2)
    keys = set(block.state_dict())
    assert keys == {
        "query_conv.weight",
        "key_conv.weight",
        "value_conv.weight",
        "appr_geom_fc_x.weight",
        "appr_geom_fc_y.weight",
        "appr_bias",
        "geom_bias",
        "proj_conv.weight",
        "proj_conv.bias",
        "gamma",
    }
    state = dict(block.state_dict(), local_constraint_map=torch.zeros(2, 2, 1, 1, dtype=torch.uint8))
    GeneralizedAttention(8, num_heads=2).load_state_dict(state, strict=True)


def test_only_the_needed_layers_exist() -> None:
    block = GeneralizedAttention(8, num_heads=2, attention_type="0010")
    assert not hasattr(block, "query_conv") and not hasattr(block, "appr_geom_fc_x") and hasattr(block, "key_conv")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(attention_type="111"), "attention_type must be four '0'/'1' flags"),
        (dict(attention_type="1121"), "got '1121'"),
        (dict(num_heads=9), r"num_heads must be an int in \[1, in_channels=8\], got 9"),
        (dict(kv_stride=0), "kv_stride must be a positive int, got 0"),
        (dict(position_embedding_dim=6), "position_embedding_dim must be a multiple of 4"),
    ],
)
def test_bad_arguments(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        GeneralizedAttention(8, **{"num_heads": 2, **kwargs})

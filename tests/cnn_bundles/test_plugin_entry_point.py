"""The plugins are found by cnn_layers.build_plugin_layer without importing cnn_bundles."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import torch
import torch.fx

import cnn_bundles
from cnn_layers import PLUGIN_LAYERS, build_plugin_layer

TORCH_VERSION = tuple(int(part) for part in torch.__version__.split(".")[:2])


def test_build_plugin_layer_finds_the_plugins_in_a_fresh_process() -> None:
    script = textwrap.dedent(
        """
        import sys
        import torch
        import cnn_layers
        assert "cnn_bundles" not in sys.modules
        name, layer = cnn_layers.build_plugin_layer(dict(type='ContextBlock', ratio=1 / 4), in_channels=16)
        print(name, type(layer).__module__, tuple(layer(torch.rand(1, 16, 3, 3)).shape))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["context_block", "cnn_bundles.context_block", "(1,", "16,", "3,", "3)"]


@pytest.mark.parametrize(
    ("cfg", "name", "cls"),
    [
        (dict(type="NonLocal2d"), "nonlocal_block", cnn_bundles.NonLocal2d),
        (dict(type="ContextBlock", ratio=0.5), "context_block", cnn_bundles.ContextBlock),
        (dict(type="GeneralizedAttention", num_heads=2), "gen_attention_block", cnn_bundles.GeneralizedAttention),
    ],
)
def test_names_and_postfix(cfg: dict, name: str, cls: type) -> None:
    built_name, layer = build_plugin_layer(cfg, postfix=3, in_channels=8)
    assert built_name == f"{name}3" and type(layer) is cls
    assert layer(torch.randn(1, 8, 4, 4)).shape == (1, 8, 4, 4)
    assert cfg["type"] in PLUGIN_LAYERS


def test_conv_module_builds_as_a_plugin_as_in_mmcv() -> None:
    cfg = dict(type="ConvModule", out_channels=4, kernel_size=3, padding=1, norm_cfg=dict(type="BN"))
    name, layer = build_plugin_layer(cfg, postfix=1, in_channels=8)
    assert name == "conv_block1" and type(layer) is cnn_bundles.ConvModule
    assert list(layer.state_dict())[:2] == ["conv.weight", "bn.weight"]
    assert layer(torch.randn(1, 8, 5, 5)).shape == (1, 4, 5, 5)
    assert cfg == dict(type="ConvModule", out_channels=4, kernel_size=3, padding=1, norm_cfg=dict(type="BN"))


@pytest.mark.parametrize(
    "block",
    [
        cnn_bundles.NonLocal2d(8, mode="concatenation", sub_sample=True, zeros_init=False),
        cnn_bundles.NonLocal2d(8, mode="gaussian", norm_cfg=dict(type="BN"), zeros_init=False),
        cnn_bundles.ContextBlock(8, ratio=0.5, fusion_types=("channel_add", "channel_mul")),
        cnn_bundles.GeneralizedAttention(8, num_heads=2, spatial_range=1, q_stride=2),
    ],
    ids=["non-local", "non-local-bn", "context", "generalized-attention"],
)
def test_plugins_trace_with_torch_fx(block: torch.nn.Module) -> None:
    """Traceable plugins let fuse_conv_bn see through blocks that contain them."""
    if isinstance(block, cnn_bundles.GeneralizedAttention) and TORCH_VERSION < (2, 5):
        pytest.skip(f"torch {torch.__version__}: torch.fx cannot trace torch.arange of a traced size before torch 2.5")
    torch.nn.init.constant_(getattr(block, "gamma", torch.empty(1)), 0.5)
    block.eval()
    traced = torch.fx.symbolic_trace(block)
    x = torch.randn(2, 8, 4, 6)
    assert torch.allclose(traced(x), block(x), atol=1e-6)

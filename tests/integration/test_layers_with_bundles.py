"""cnn-layers with cnn-bundles installed: plugins found by entry point, layers inside ConvModule."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
import torch
from torch import nn

pytest.importorskip("cnn_bundles")

from cnn_bundles import ConvModule
from cnn_layers import SyncBatchNorm, convert_sync_batchnorm

FIND_PLUGINS = """\
import sys
import torch
from cnn_layers import build_plugin_layer
assert "cnn_bundles" not in sys.modules
PLUGINS = [dict(type="NonLocal2d"), dict(type="ContextBlock", ratio=0.25)]
PLUGINS.append(dict(type="GeneralizedAttention", num_heads=2))
for cfg in PLUGINS:
    name, layer = build_plugin_layer(cfg, postfix=1, in_channels=8)
    out = layer(torch.randn(1, 8, 4, 4))
    print(name, type(layer).__module__.split(".")[0], tuple(out.shape))
"""


def test_plugins_of_cnn_bundles_are_found_with_only_cnn_layers_imported():
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(FIND_PLUGINS)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "nonlocal_block1 cnn_bundles (1, 8, 4, 4)",
        "context_block1 cnn_bundles (1, 8, 4, 4)",
        "gen_attention_block1 cnn_bundles (1, 8, 4, 4)",
    ]


def test_conv_module_with_conv_ws_and_gn_has_plain_conv_keys():
    module = ConvModule(4, 8, 3, padding=1, conv_cfg=dict(type="ConvWS"), norm_cfg=dict(type="GN", num_groups=2))
    assert list(module.state_dict()) == ["conv.weight", "gn.weight", "gn.bias"]
    x = torch.randn(1, 4, 5, 5)
    w = module.conv.weight.detach()
    w = (w - w.mean(dim=(1, 2, 3), keepdim=True)) / (w.std(dim=(1, 2, 3), keepdim=True) + 1e-5)
    expected = torch.relu(
        nn.functional.group_norm(nn.functional.conv2d(x, w, padding=1), 2, module.gn.weight, module.gn.bias)
    )
    torch.testing.assert_close(module(x), expected)


def test_conv_module_with_sync_bn_compiles_without_graph_breaks():
    module = ConvModule(3, 4, 3, padding=1, norm_cfg=dict(type="SyncBN"))
    assert type(module.bn) is SyncBatchNorm
    compiled = torch.compile(module, fullgraph=True, backend="eager")
    x = torch.randn(2, 3, 4, 4)
    torch.testing.assert_close(compiled(x), module(x))


def test_convert_sync_batchnorm_on_a_conv_module_keeps_its_names():
    module = ConvModule(3, 4, 1, norm_cfg=dict(type="BN"))
    converted = convert_sync_batchnorm(module)
    assert type(converted.bn) is SyncBatchNorm
    assert converted.norm_name == "bn"

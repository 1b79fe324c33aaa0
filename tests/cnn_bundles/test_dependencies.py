"""cnn_bundles imports only what its pyproject declares."""

from __future__ import annotations

import subprocess
import sys
import textwrap

DECLARED = {"cnn_bundles", "cnn_layers", "cnn_init", "cnn_registry", "torch"}
UNDECLARED = {"cnn_zoo", "cnn_backbones", "cnn_models", "torchvision", "timm", "mmcv", "mmengine"}


def test_importing_and_using_the_package_loads_no_undeclared_package() -> None:
    script = textwrap.dedent(
        """
        import sys
        import torch
        import cnn_bundles
        block = cnn_bundles.GhostBottleneck(8, 16, 8, se_ratio=0.25).eval()
        cnn_bundles.fuse_conv_bn(block)(torch.rand(1, 8, 4, 4))
        print(" ".join(sorted({name.split(".")[0] for name in sys.modules})))
        """
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    loaded = set(result.stdout.split())
    assert DECLARED <= loaded
    assert not loaded & UNDECLARED

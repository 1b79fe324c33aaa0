"""What only a CUDA device can show; `nox -s cuda` runs these on a GPU machine, elsewhere they skip.

Every test here is marked `gpu`. The one unmarked test keeps the backbone table complete, so a new
backbone cannot be left out of the CUDA compile check unnoticed.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from cnn_backbones import BACKBONES
from cnn_layers import build_conv_layer
from cnn_models import build_model

HERE = Path(__file__).parent
TINY_HRNET = dict(
    stage1=dict(num_modules=1, num_branches=1, block="BOTTLENECK", num_blocks=(1,), num_channels=(8,)),
    stage2=dict(num_modules=1, num_branches=2, block="BASIC", num_blocks=(1, 1), num_channels=(4, 8)),
    stage3=dict(num_modules=1, num_branches=3, block="BASIC", num_blocks=(1, 1, 1), num_channels=(4, 8, 16)),
    stage4=dict(num_modules=1, num_branches=4, block="BASIC", num_blocks=(1,) * 4, num_channels=(4, 8, 16, 32)),
)
# One small config of every registered backbone.
BACKBONE_CONFIGS = {
    "ResNet": dict(depth=18, base_channels=8),
    "ResNetV1c": dict(depth=50, base_channels=8),
    "ResNetV1d": dict(depth=50, base_channels=8),
    "ResNet_CIFAR": dict(depth=18, base_channels=8),
    "ResNeXt": dict(depth=50, groups=2, base_width=4, base_channels=8),
    "Res2Net": dict(depth=50, scales=3, base_width=4, base_channels=8),
    "RegNet": dict(arch=dict(w0=8, wa=6.0, wm=1.4, group_w=8, depth=5, bot_mul=1.0)),
    "HRNet": dict(extra=TINY_HRNET),
    "VGG": dict(depth=11, with_bn=True),
    "SSDVGG": dict(depth=11, out_feature_indices=(14, 24)),
    "GhostNet": dict(widen_factor=0.25),
}
NOT_BACKBONES = {"ResNetStem5"}  # the backbones guide's example, registered by its test


def _needs_gpus(count: int) -> None:
    if torch.cuda.device_count() < count:
        pytest.skip(f"needs {count} CUDA devices, this machine has {torch.cuda.device_count()}")


def _torchrun(*args: str, timeout: int = 600) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", *args]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)


def test_every_registered_backbone_has_a_cuda_config():
    registered = {name for name in BACKBONES if "." not in name} - NOT_BACKBONES
    assert registered <= set(BACKBONE_CONFIGS), f"add a small config for {sorted(registered - set(BACKBONE_CONFIGS))}"


@pytest.mark.gpu
@pytest.mark.distributed
def test_sync_bn_over_nccl_in_two_processes_equals_batch_norm(tmp_path):
    _needs_gpus(2)
    result = _torchrun(str(HERE / "gpu_sync_bn_worker.py"), str(tmp_path))
    assert result.returncode == 0, result.stderr[-3000:]
    assert sorted(p.name for p in tmp_path.glob("*.ok")) == ["rank0.ok", "rank1.ok"]


@pytest.mark.gpu
@pytest.mark.distributed
def test_ddp_training_with_nccl_through_torchrun(tmp_path):
    _needs_gpus(2)
    model = dict(
        backbone=dict(type="ResNet_CIFAR", depth=18, base_channels=4, norm_cfg=dict(type="SyncBN")),
        neck=dict(type="GlobalAveragePooling"),
        head=dict(type="LinearClsHead", num_classes=4, in_channels=32),
    )
    config = tmp_path / "tiny.py"
    config.write_text(
        f"model = {model!r}\n"
        "data = dict(type='random', num_samples=32, image_size=8, num_classes=4, batch_size=8)\n"
        "train = dict(epochs=1, seed=0)\n"
    )
    result = _torchrun(
        "-m", "cnn_models", "train", str(config), "--out", str(tmp_path / "out"), "--device", "cuda", "--no-progress"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "world size 2" in result.stdout
    from cnn_zoo import load_checkpoint

    load_checkpoint(build_model(model), tmp_path / "out" / "latest.pth", strict=True)


@pytest.mark.gpu
@pytest.mark.parametrize("layer", ["DCN", "DCNv2"])
def test_deformable_conv_on_cuda_equals_the_cpu_result(layer):
    pytest.importorskip("torchvision", reason="DCN runs on torchvision's deform_conv2d: pip install 'cnn-layers[dcn]'")
    torch.manual_seed(0)
    conv = build_conv_layer(dict(type=layer, deform_groups=1), 4, 6, kernel_size=3, padding=1)
    with torch.no_grad():  # non-zero offsets, or the deformable path is a plain convolution
        for param in conv.parameters():
            param.normal_(0, 0.1)
    x = torch.randn(2, 4, 7, 7)
    results = {}
    for device in ("cpu", "cuda"):
        module = conv.to(device)
        inputs = x.to(device).requires_grad_(True)
        out = module(inputs)
        out.square().sum().backward()
        results[device] = [out, inputs.grad, *(p.grad for p in module.parameters())]
        module.zero_grad()
    for cpu, cuda in zip(results["cpu"], results["cuda"], strict=True):
        torch.testing.assert_close(cuda.cpu(), cpu, rtol=1e-4, atol=1e-4)


@pytest.mark.gpu
def test_channels_last_inference_under_autocast_is_within_tolerance():
    torch.manual_seed(0)
    model = build_model(
        dict(
            backbone=dict(type="ResNet", depth=18, base_channels=16, norm_eval=False),
            neck=dict(type="GlobalAveragePooling"),
            head=dict(type="LinearClsHead", num_classes=10, in_channels=128),
        )
    ).eval()
    x = torch.randn(4, 3, 64, 64)
    with torch.no_grad():
        expected = model(x, mode="tensor")
        fast = model.cuda().to(memory_format=torch.channels_last)
        with torch.autocast("cuda", dtype=torch.float16):
            got = fast(x.cuda().to(memory_format=torch.channels_last), mode="tensor")
    scale = expected.abs().max().item()
    torch.testing.assert_close(got.float().cpu(), expected, rtol=0, atol=2e-2 * scale)


@pytest.mark.gpu
@pytest.mark.parametrize("name", sorted(BACKBONE_CONFIGS))
def test_every_backbone_compiles_on_cuda(name):
    torch.manual_seed(0)
    model = BACKBONES.build(dict(type=name, **BACKBONE_CONFIGS[name])).cuda().eval()
    x = torch.randn(2, 3, 64, 64, device="cuda")
    with torch.no_grad():
        expected = model(x)
        compiled = torch.compile(model, fullgraph=True)
        got = compiled(x)
    for a, b in zip(got, expected, strict=True):
        torch.testing.assert_close(a, b, rtol=1e-3, atol=1e-3)

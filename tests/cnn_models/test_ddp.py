"""Two real processes under torchrun (gloo): DDP keeps ranks identical, SyncBN syncs statistics, `cnn train` runs."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from cnn_models import build_model
from cnn_zoo import load_checkpoint

WORKER = Path(__file__).with_name("ddp_worker.py")


TINY_MODEL = dict(
    backbone=dict(type="ResNet_CIFAR", depth=18, base_channels=4),
    neck=dict(type="GlobalAveragePooling"),
    head=dict(type="LinearClsHead", num_classes=4, in_channels=32),
)


@dataclass
class Launch:
    """What one torchrun launch of two ranks left: each rank's states, the ``cnn train`` output."""

    states: dict[str, tuple[dict, dict]]
    stdout: str
    cli_out: Path


@pytest.fixture(scope="module")
def launch(tmp_path_factory: pytest.TempPathFactory) -> Launch:
    """Two ranks train with SyncBN, then without, then through ``cnn train`` with a config file."""
    out = tmp_path_factory.mktemp("ddp")
    config = out / "tiny.py"
    config.write_text(
        f"model = {TINY_MODEL!r}\n"
        "data = dict(type='random', num_samples=32, image_size=8, num_classes=4, batch_size=8)\n"
        "train = dict(epochs=1, seed=0)\n"
    )
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    cmd = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    result = subprocess.run(
        [*cmd, str(WORKER), str(out), str(config)], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-3000:]
    states = {
        mode: (torch.load(out / f"{mode}-rank0.pt"), torch.load(out / f"{mode}-rank1.pt")) for mode in ("sync", "plain")
    }
    return Launch(states, result.stdout, out / "cli")


def _running_stats(state: dict) -> dict:
    return {k: v for k, v in state.items() if k.endswith(("running_mean", "running_var"))}


@pytest.mark.distributed
@pytest.mark.xdist_group("ddp_launch")
def test_ddp_with_sync_bn_keeps_every_weight_and_statistic_identical(launch):
    rank0, rank1 = launch.states["sync"]
    assert rank0["world_size"] == rank1["world_size"] == 2
    assert rank0["norms"] == ["SyncBatchNorm"]
    assert rank0["state"].keys() == rank1["state"].keys()
    for key, value in rank0["state"].items():
        torch.testing.assert_close(value, rank1["state"][key], rtol=0, atol=1e-6, msg=key)
    stats = _running_stats(rank0["state"])
    assert len(stats) == 2 * 20  # ResNet-18: stem norm, 2 per block in 8 blocks, 3 downsample norms
    moved = [k for k, v in stats.items() if k.endswith("running_mean") and v.abs().sum() > 0]
    assert moved, "the running means never left their initial zeros"


@pytest.mark.distributed
@pytest.mark.xdist_group("ddp_launch")
def test_without_sync_bn_the_statistics_differ_while_weights_agree(launch):
    rank0, rank1 = launch.states["plain"]
    assert rank0["norms"] == ["BatchNorm2d"]
    params = [k for k in rank0["state"] if not k.endswith(("running_mean", "running_var", "num_batches_tracked"))]
    for key in params:
        torch.testing.assert_close(rank0["state"][key], rank1["state"][key], rtol=0, atol=1e-6, msg=key)
    stats0, stats1 = _running_stats(rank0["state"]), _running_stats(rank1["state"])
    assert any(not torch.allclose(stats0[k], stats1[k]) for k in stats0)


@pytest.mark.distributed
@pytest.mark.xdist_group("ddp_launch")
def test_cnn_train_under_torchrun_saves_one_checkpoint(launch):
    assert launch.stdout.count("world size 2") == 1  # only rank 0 prints
    assert sorted(p.name for p in launch.cli_out.iterdir()) == ["config.json", "latest.pth"]
    load_checkpoint(build_model(TINY_MODEL), launch.cli_out / "latest.pth", strict=True)

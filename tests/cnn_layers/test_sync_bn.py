"""SyncBatchNorm in real processes (gloo): equal to BatchNorm over the concatenated batch."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from cnn_layers import BatchNormNd, SyncBatchNorm, build_norm_layer, convert_sync_batchnorm, revert_sync_batchnorm

WORKER = Path(__file__).with_name("sync_bn_worker.py")


def run_ranks(world_size: int, cases: list[tuple[list[int], int]], tmp_path: Path) -> list[list[dict]]:
    """Run ``world_size`` worker processes over every case; per case, what each rank saved."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    case_args = [f"{','.join(map(str, sizes))}/{dims}" for sizes, dims in cases]
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), str(rank), str(world_size), str(tmp_path), *case_args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for rank in range(world_size)
    ]
    outputs = []
    try:
        outputs = [proc.communicate(timeout=180)[0] for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    for rank, (proc, text) in enumerate(zip(procs, outputs, strict=True)):
        assert proc.returncode == 0, f"rank {rank} failed:\n{text}"
    return [[torch.load(tmp_path / f"case{i}_rank{rank}.pt") for rank in range(world_size)] for i in range(len(cases))]


def reference(sizes: list[int], dims: int) -> dict[str, torch.Tensor]:
    """BatchNorm in one process over the concatenated batch, the same two steps."""
    sys.path.insert(0, str(WORKER.parent))
    try:
        import sync_bn_worker
    finally:
        sys.path.pop(0)
    data = sync_bn_worker.global_data(sizes, dims)
    bn = nn.BatchNorm1d(3) if dims in (2, 3) else nn.BatchNorm2d(3)
    with torch.no_grad():
        bn.weight.copy_(data["weight"])
        bn.bias.copy_(data["bias"])
    expected = {}
    for step in (1, 2):
        x = data[f"x{step}"].clone().requires_grad_(True)
        out = bn(x)
        (out * data[f"g{step}"]).sum().backward()
        expected[f"out{step}"] = out.detach()
        expected[f"x_grad{step}"] = x.grad
    expected.update(
        weight_grad=bn.weight.grad, bias_grad=bn.bias.grad, running_mean=bn.running_mean,
        running_var=bn.running_var, num_batches_tracked=bn.num_batches_tracked,
    )  # fmt: skip
    bn.eval()
    expected["eval_out"] = bn(data["x1"]).detach()
    return expected


CASES = {
    1: [([5], 4)],
    2: [([3, 5], 4), ([4, 3], 3)],
    3: [([1, 4, 2], 4), ([2, 0, 3], 4)],
}
# (1, 3) on rank 0 and nothing on rank 1: one value per channel in the global batch; then a valid case
ERROR_CASES = [([1, 0], 2), ([2, 1], 2)]


class RankRuns:
    """Runs each world size's workers once per test process, when a test first asks for it.

    The error cases run in the same world of 2 as the valid ones: starting processes is the slow part.
    """

    def __init__(self, tmp_path_factory: pytest.TempPathFactory) -> None:
        self.tmp_path_factory = tmp_path_factory
        self.runs: dict[int, list[list[dict]]] = {}

    def __getitem__(self, world_size: int) -> list[list[dict]]:
        if world_size not in self.runs:
            cases = CASES[world_size] + (ERROR_CASES if world_size == 2 else [])
            folder = self.tmp_path_factory.mktemp(f"world{world_size}")
            self.runs[world_size] = run_ranks(world_size, cases, folder)
        return self.runs[world_size]


@pytest.fixture(scope="module")
def ranks_saved(tmp_path_factory: pytest.TempPathFactory) -> RankRuns:
    return RankRuns(tmp_path_factory)


@pytest.mark.distributed
@pytest.mark.xdist_group("sync_bn_world_of_2")
@pytest.mark.parametrize("world_size", sorted(CASES))
def test_sync_bn_equals_batch_norm_on_the_global_batch(world_size, ranks_saved):
    """Uneven batches, an empty rank and 1-D inputs; world size 1 is where torch's SyncBatchNorm fails on CPU."""
    results = ranks_saved[world_size][: len(CASES[world_size])]
    tol = dict(rtol=1e-5, atol=1e-5)
    for (sizes, dims), ranks in zip(CASES[world_size], results, strict=True):
        expected = reference(sizes, dims)
        case = f"sizes={sizes} dims={dims}"
        for key in ("out1", "out2", "x_grad1", "x_grad2", "eval_out"):
            torch.testing.assert_close(torch.cat([r[key] for r in ranks]), expected[key], **tol, msg=f"{case} {key}")
        # parameter gradients are per rank, as with any module; DDP sums them
        for key in ("weight_grad", "bias_grad"):
            torch.testing.assert_close(sum(r[key] for r in ranks), expected[key], **tol, msg=f"{case} {key}")
        for rank in ranks:
            for key in ("running_mean", "running_var"):
                torch.testing.assert_close(rank[key], expected[key], **tol, msg=f"{case} {key}")
            assert rank["num_batches_tracked"].item() == 2


@pytest.mark.distributed
@pytest.mark.xdist_group("sync_bn_world_of_2")
def test_a_single_value_per_channel_over_all_ranks_is_a_clear_error(ranks_saved):
    error_case, after = ranks_saved[2][len(CASES[2]) :]
    for rank in error_case:
        assert rank["error"].startswith("SyncBatchNorm: expected more than 1 value per channel over all processes")
    torch.testing.assert_close(torch.cat([r["out1"] for r in after]), reference([2, 1], 2)["out1"])


@pytest.mark.gpu
def test_on_cuda_without_process_group_it_is_batch_norm():
    torch.manual_seed(0)
    x = torch.randn(4, 3, 2, 2, device="cuda")
    sync, bn = SyncBatchNorm(3).cuda(), nn.BatchNorm2d(3).cuda()
    torch.testing.assert_close(sync(x), bn(x))
    torch.testing.assert_close(sync.running_mean, bn.running_mean)


def test_without_process_group_it_is_batch_norm():
    torch.manual_seed(0)
    name, sync = build_norm_layer(dict(type="SyncBN", momentum=0.2), 3, postfix=1)
    assert name == "bn1"
    assert type(sync) is SyncBatchNorm
    assert isinstance(sync, nn.SyncBatchNorm)
    bn = nn.BatchNorm2d(3, momentum=0.2)
    x = torch.randn(4, 3, 2, 2)
    torch.testing.assert_close(sync(x), bn(x))
    torch.testing.assert_close(sync.running_var, bn.running_var)
    assert sync.state_dict().keys() == bn.state_dict().keys()


def test_convert_and_revert_keep_parameters_buffers_and_mode():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Conv2d(2, 3, 1), nn.BatchNorm2d(3), nn.Sequential(nn.BatchNorm1d(3)))
    model[1].running_mean.fill_(0.5)
    model.eval()
    x = torch.randn(2, 2, 3, 3)
    for norm in (model[1], model[2][0]):  # parameters that differ from the defaults, so a lost copy shows
        torch.nn.init.uniform_(norm.weight, 0.5, 1.5)
        torch.nn.init.uniform_(norm.bias, -0.5, 0.5)
    before = model[:2](x)
    original = {key: value.clone() for key, value in model.state_dict().items()}  # convert works in place
    synced = convert_sync_batchnorm(model)
    assert type(synced[1]) is SyncBatchNorm and type(synced[2][0]) is SyncBatchNorm
    assert not synced[1].training
    torch.testing.assert_close(synced[:2](x), before)
    reverted = revert_sync_batchnorm(synced)
    assert type(reverted[1]) is BatchNormNd and type(reverted[2][0]) is BatchNormNd
    torch.testing.assert_close(reverted[:2](x), before)
    assert reverted[1].running_mean.tolist() == [0.5] * 3
    assert not reverted[1].training
    reverted_state = reverted.state_dict()
    assert list(reverted_state) == list(original)
    for key, value in original.items():
        torch.testing.assert_close(reverted_state[key], value, rtol=0, atol=0, msg=key)


def test_convert_a_bare_batch_norm_and_revert_torch_sync_batch_norm():
    assert type(convert_sync_batchnorm(nn.BatchNorm3d(2))) is SyncBatchNorm
    assert type(revert_sync_batchnorm(nn.SyncBatchNorm(2))) is BatchNormNd


def test_reverted_norm_rejects_one_dimensional_input():
    with pytest.raises(ValueError, match="expected an input of at least 2 dimensions"):
        BatchNormNd(2)(torch.zeros(2))


def test_compiles_without_graph_breaks_when_no_process_group():
    sync = SyncBatchNorm(3)
    compiled = torch.compile(sync, fullgraph=True, backend="eager")
    x = torch.randn(4, 3, 2, 2)
    torch.testing.assert_close(compiled(x), nn.functional.batch_norm(x, None, None, training=True))

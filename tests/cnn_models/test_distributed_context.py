"""DistributedContext reads torchrun's environment; GradientAveraging needs a process group."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from cnn_models.tools import DistributedContext, GradientAveraging


def test_context_from_torchrun_variables():
    ctx = DistributedContext.from_env("cpu", environ={"RANK": "3", "LOCAL_RANK": "1", "WORLD_SIZE": "4"})
    assert (ctx.rank, ctx.local_rank, ctx.world_size, ctx.enabled, ctx.is_main) == (3, 1, 4, True, False)
    assert ctx.device == torch.device("cpu")


def test_cuda_device_follows_the_local_rank():
    ctx = DistributedContext.from_env("cuda", environ={"RANK": "1", "LOCAL_RANK": "1", "WORLD_SIZE": "2"})
    assert ctx.device == torch.device("cuda", 1)


def test_single_process_does_not_join_a_group():
    ctx = DistributedContext.from_env("cpu", environ={})
    ctx.init_process_group()
    assert not torch.distributed.is_initialized()


def test_gradient_averaging_requires_a_process_group():
    with pytest.raises(RuntimeError, match="needs an initialised process group"):
        GradientAveraging(nn.Linear(2, 2))

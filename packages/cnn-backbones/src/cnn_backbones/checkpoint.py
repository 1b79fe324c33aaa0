"""Gradient checkpointing of a block that leaves batch-norm running statistics updated exactly once."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import torch
import torch.nn as nn
import torch.utils.checkpoint as cp
from torch.nn.modules.batchnorm import _BatchNorm


@contextlib.contextmanager
def keep_norm_statistics(module: nn.Module) -> Iterator[None]:
    """Restore the running statistics of ``module``'s batch norms on exit.

    Example:
        >>> bn = nn.BatchNorm2d(2).train()
        >>> with keep_norm_statistics(bn):
        ...     _ = bn(torch.rand(2, 2, 3, 3) + 5)
        >>> bn.running_mean.tolist(), int(bn.num_batches_tracked)
        ([0.0, 0.0], 0)
    """
    saved = [
        (buf, buf.clone())
        for m in module.modules()
        if isinstance(m, _BatchNorm)
        for buf in (m.running_mean, m.running_var, m.num_batches_tracked)
        if buf is not None
    ]
    try:
        yield
    finally:
        with torch.no_grad():
            for buf, value in saved:
                buf.copy_(value)


def checkpoint_block(
    module: nn.Module, function: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor
) -> torch.Tensor:
    """``function(x)`` without storing its activations: they are recomputed in the backward pass.

    Uses the non-reentrant ``torch.utils.checkpoint``. The recomputation runs with the batch norms
    of ``module`` in train mode again, which would update their running statistics a second time;
    they are restored afterwards, so a checkpointed block ends in the same state as a plain one.
    Under ``torch.compile`` the graph is recomputed without side effects, so no restoring is needed
    (and Dynamo does not trace a ``context_fn``).

    Example:
        >>> block = nn.Sequential(nn.Conv2d(2, 2, 3, padding=1), nn.BatchNorm2d(2))
        >>> x = torch.rand(2, 2, 4, 4, requires_grad=True)
        >>> y = checkpoint_block(block, block, x)
        >>> mean = block[1].running_mean.clone()
        >>> y.sum().backward()
        >>> torch.equal(mean, block[1].running_mean)
        True
    """
    if torch.compiler.is_compiling():
        return cp.checkpoint(function, x, use_reentrant=False)
    return cp.checkpoint(
        function,
        x,
        use_reentrant=False,
        context_fn=lambda: (contextlib.nullcontext(), keep_norm_statistics(module)),
    )

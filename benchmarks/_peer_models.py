"""Our model and the peer's, made comparable: batch-norm statistics away from (0, 1), the same weights.

Imported by the benchmark scripts beside it; the leading underscore keeps ``nox -s bench``
from running it as a benchmark.
"""

from __future__ import annotations

import torch
from torch import nn


def randomize_bn(model: nn.Module, seed: int = 0) -> nn.Module:
    """Running statistics away from (0, 1), so that folding conv and bn really changes the weights."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, nn.BatchNorm2d) and m.running_mean is not None and m.running_var is not None:
                m.running_mean.copy_(torch.randn(m.num_features, generator=generator) * 0.1)
                m.running_var.copy_(torch.rand(m.num_features, generator=generator) + 0.5)
    return model


def copy_weights(ours: nn.Module, peer: nn.Module) -> None:
    """Give the peer our tensors: same layers in the same order, shapes checked by ``load_state_dict``."""
    ours_tensors = list(ours.state_dict().values())
    peer_state = peer.state_dict()
    if len(ours_tensors) != len(peer_state):
        raise RuntimeError(f"{len(ours_tensors)} tensors in ours, {len(peer_state)} in the peer")
    peer.load_state_dict(dict(zip(peer_state, ours_tensors, strict=True)))

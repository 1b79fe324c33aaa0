"""``DropPath``: stochastic depth, dropping a whole residual branch per sample."""

from __future__ import annotations

import torch
from torch import nn

from .registry import DROPOUT_LAYERS


def drop_path(x: torch.Tensor, drop_prob: float = 0.0, training: bool = False) -> torch.Tensor:
    """Zero each sample of ``x`` with probability ``drop_prob``, scale the kept ones by ``1 / (1 - drop_prob)``.

    The identity when ``drop_prob`` is 0 or when not training.

    >>> x = torch.ones(2, 3)
    >>> drop_path(x, 0.5, training=False) is x
    True
    """
    if drop_prob == 0.0 or not training:
        return x
    keep_prob = 1.0 - drop_prob
    mask = x.new_empty((x.size(0),) + (1,) * (x.dim() - 1)).bernoulli_(keep_prob)
    return x * mask.div_(keep_prob)  # scale the small mask, not the full tensor


@DROPOUT_LAYERS.register_module()
class DropPath(nn.Module):
    """Drop the residual branch of whole samples during training (stochastic depth).

    Args:
        drop_prob: the probability of dropping a sample, in ``[0, 1)``.

    >>> layer = DropPath(0.25)
    >>> layer.eval()(torch.ones(2, 3)).sum().item()
    6.0
    """

    def __init__(self, drop_prob: float = 0.1):
        super().__init__()
        if isinstance(drop_prob, bool) or not isinstance(drop_prob, (int, float)) or not 0.0 <= drop_prob < 1.0:
            raise ValueError(f"DropPath: drop_prob must be a float in [0, 1), got {drop_prob!r}")
        self.drop_prob = float(drop_prob)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return drop_path(x, self.drop_prob, self.training)

    def extra_repr(self) -> str:
        return f"drop_prob={self.drop_prob}"

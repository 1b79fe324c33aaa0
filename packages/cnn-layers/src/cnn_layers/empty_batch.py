"""mmcv's empty-batch wrappers (``mmcv.cnn.bricks.wrappers``): torch's own layers under mmcv's names.

mmcv wrapped ``Conv2d``, ``Conv3d``, ``ConvTranspose2d``, ``ConvTranspose3d``,
``MaxPool2d``, ``MaxPool3d`` and ``Linear`` so that a batch of zero samples
(``x.numel() == 0``, as a mask head sees when no box is positive) gives an empty
output of the right shape, with gradients still reaching the parameters.
PyTorch has done both itself since 1.4, which is why mmcv's wrappers now only
call the parent's ``forward``. Here the names are torch's classes, so code
written against mmcv imports them from ``cnn_layers`` unchanged, with the same
state dicts. The transposed convolutions are the exception: torch's ``forward``
takes an ``output_size`` that ``torch.fx`` turns into an input and then tests,
so a model made of one of them alone does not trace. Their ``forward(x)``
here, as mmcv's, drops that argument and traces.

>>> import torch
>>> conv = Conv2d(3, 8, 3, stride=2)
>>> conv(torch.zeros(0, 3, 9, 9)).shape
torch.Size([0, 8, 4, 4])
>>> Linear(4, 2)(torch.zeros(0, 4)).shape
torch.Size([0, 2])
"""

from __future__ import annotations

import torch
from torch import nn

Conv2d = nn.Conv2d
Conv3d = nn.Conv3d


class ConvTranspose2d(nn.ConvTranspose2d):
    """``nn.ConvTranspose2d`` whose ``forward`` takes only the input, so ``torch.fx`` traces it alone too.

    >>> import torch
    >>> up = ConvTranspose2d(4, 2, kernel_size=2, stride=2)
    >>> up(torch.randn(0, 4, 3, 3)).shape  # an empty batch gives an empty output
    torch.Size([0, 2, 6, 6])
    >>> x = torch.randn(1, 4, 3, 3)
    >>> torch.equal(torch.fx.symbolic_trace(up)(x), up(x))
    True
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return super().forward(x)


class ConvTranspose3d(nn.ConvTranspose3d):
    """``nn.ConvTranspose3d`` whose ``forward`` takes only the input, so ``torch.fx`` traces it alone too.

    >>> import torch
    >>> ConvTranspose3d(4, 2, kernel_size=2, stride=2)(torch.randn(0, 4, 1, 3, 3)).shape
    torch.Size([0, 2, 2, 6, 6])
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        return super().forward(x)


MaxPool2d = nn.MaxPool2d
MaxPool3d = nn.MaxPool3d
Linear = nn.Linear

__all__ = ["Conv2d", "Conv3d", "ConvTranspose2d", "ConvTranspose3d", "Linear", "MaxPool2d", "MaxPool3d"]

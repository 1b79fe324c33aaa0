"""``CSRAClsHead``: class-specific residual attention for multi-label classification (Zhu and Wu, ICCV 2021)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from cnn_init import BaseModule

from ..registry import HEADS
from .class_count import check_class_count
from .multi_label_head import MultiLabelClsHead

#: softmax temperatures of the attention heads for each supported head count (99 means max pooling)
TEMPERATURES: dict[int, tuple[int, ...]] = {
    1: (1,),
    2: (1, 99),
    4: (1, 2, 4, 99),
    6: (1, 2, 3, 4, 5, 99),
    8: (1, 2, 3, 4, 5, 6, 7, 99),
}
MAX_POOLING = 99


class CSRAModule(BaseModule):
    """One attention head: the mean class score over positions plus ``lam`` times an attended score.

    The scores are a bias-free 1x1 conv divided by the norm of each class's
    weight; the attended score is a softmax over positions at temperature
    ``T``, or the maximum when ``T`` is 99.

    >>> CSRAModule(num_classes=3, in_channels=4, T=99, lam=0.1)(torch.rand(2, 4, 5, 5)).shape
    torch.Size([2, 3])
    """

    def __init__(self, num_classes: int, in_channels: int, T: int, lam: float, init_cfg: Any = None) -> None:  # noqa: N803
        super().__init__(init_cfg=init_cfg)
        self.T = T
        self.lam = lam
        self.head = nn.Conv2d(in_channels, num_classes, 1, bias=False)
        self.softmax = nn.Softmax(dim=2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4:
            raise ValueError(f"CSRA takes feature maps (N, C, H, W), not pooled vectors; got shape {tuple(x.shape)}")
        norms = self.head.weight.norm(dim=1, keepdim=True).transpose(0, 1)  # (1, num_classes, 1, 1)
        score = (self.head(x) / norms).flatten(2)
        base = score.mean(dim=2)
        if self.T == MAX_POOLING:
            attended = score.max(dim=2).values
        else:
            attended = (score * self.softmax(score * self.T)).sum(dim=2)
        return base + self.lam * attended


@HEADS.register_module()
class CSRAClsHead(MultiLabelClsHead):
    """The sum of ``num_heads`` `CSRAModule` heads over the last feature map (no neck: it needs positions).

    Args:
        num_classes: number of classes, ``> 0``.
        in_channels: channels of the backbone's last feature map.
        num_heads: 1, 2, 4, 6 or 8 attention heads, of temperatures `TEMPERATURES`.
        lam: weight of the attended score, ``> 0``.
        init_cfg: initialisation config. mmpretrain's default names Linear layers,
            which this head does not have, so it set nothing; ours is ``None``.
        **kwargs: ``loss``, ``thr`` and ``topk`` of `MultiLabelClsHead`.

    >>> head = CSRAClsHead(num_classes=5, in_channels=8, num_heads=2, lam=0.1)
    >>> head((torch.rand(2, 4, 8, 8), torch.rand(2, 8, 4, 4))).shape
    torch.Size([2, 5])
    """

    temperature_settings = TEMPERATURES

    def __init__(
        self,
        num_classes: int,
        in_channels: int,
        num_heads: int,
        lam: float,
        init_cfg: dict[str, Any] | list[dict[str, Any]] | None = None,
        **kwargs: Any,
    ) -> None:
        if num_heads not in TEMPERATURES:
            raise ValueError(f"num_heads must be one of {sorted(TEMPERATURES)}, got {num_heads!r}")
        if isinstance(lam, bool) or not isinstance(lam, (int, float)) or lam <= 0:
            raise ValueError(f"lam must be a positive number, got {lam!r}")
        super().__init__(init_cfg=init_cfg, **kwargs)
        self.num_classes = check_class_count(num_classes, "num_classes")
        self.in_channels = check_class_count(in_channels, "in_channels")
        self.temp_list = list(TEMPERATURES[num_heads])
        self.csra_heads = nn.ModuleList(
            CSRAModule(self.num_classes, self.in_channels, T, float(lam)) for T in self.temp_list
        )

    def forward(self, feats: torch.Tensor | Sequence[torch.Tensor]) -> torch.Tensor:
        x = self.pre_logits(feats)
        logits = self.csra_heads[0](x)
        for head in self.csra_heads[1:]:
            logits = logits + head(x)
        return logits

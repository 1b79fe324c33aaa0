"""``CutMix``: paste a box of another image of the batch into each image (Yun et al., 2019)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import torch

from ..registry import BATCH_AUGMENTS
from .mixup import Mixup, check_scores

Box = tuple[int, int, int, int]  # top, bottom, left, right (bottom and right excluded)


@BATCH_AUGMENTS.register_module()
class CutMix(Mixup):
    """Replace a box of every image by the same box of ``x[index]``; mix the scores by the area kept.

    As mmpretrain's ``CutMix``: ``lam`` from Beta(alpha, alpha) sets a box of
    ``sqrt(1 - lam)`` of each side around a random centre, clipped to the
    image; with ``correct_lam`` the label weight becomes the share of the image
    that was kept. With ``cutmix_minmax=(lo, hi)`` the box sides are drawn
    between ``lo`` and ``hi`` of the image's sides instead. Randomness comes
    from torch's global generator; the inputs are not modified (mmpretrain
    pastes in place).

    Args:
        alpha: the parameter of the Beta distribution, ``> 0``.
        cutmix_minmax: ``(lo, hi)`` fractions of the box sides, or ``None``.
        correct_lam: set the label weight to the area actually kept.

    >>> cutmix = CutMix(alpha=1.0)
    >>> cutmix.box((8, 8), lam=0.75, centre=(4, 4))  # a 4x4 box in the middle
    ((2, 6, 2, 6), 0.75)
    >>> cutmix.box((8, 8), lam=0.75, centre=(0, 0))  # clipped at the corner: less pasted, more kept
    ((0, 2, 0, 2), 0.9375)
    """

    def __init__(self, alpha: float, cutmix_minmax: Sequence[float] | None = None, correct_lam: bool = True) -> None:
        super().__init__(alpha)
        if cutmix_minmax is not None:
            if len(cutmix_minmax) != 2 or not 0.0 <= cutmix_minmax[0] < cutmix_minmax[1] <= 1.0:
                raise ValueError(f"cutmix_minmax must be (lo, hi) with 0 <= lo < hi <= 1, got {cutmix_minmax!r}")
            cutmix_minmax = (float(cutmix_minmax[0]), float(cutmix_minmax[1]))
        self.cutmix_minmax = cutmix_minmax
        self.correct_lam = bool(correct_lam)

    def box(self, image_size: tuple[int, int], lam: float, centre: tuple[int, int]) -> tuple[Box, float]:
        """The box of side ``sqrt(1 - lam)`` around ``centre = (cy, cx)``, clipped, and the label weight."""
        height, width = image_size
        ratio = math.sqrt(1.0 - lam)
        half_h, half_w = int(height * ratio) // 2, int(width * ratio) // 2
        cy, cx = centre
        box = (
            min(max(cy - half_h, 0), height),
            min(max(cy + half_h, 0), height),
            min(max(cx - half_w, 0), width),
            min(max(cx + half_w, 0), width),
        )
        return box, self._label_weight(box, image_size, lam)

    def _label_weight(self, box: Box, image_size: tuple[int, int], lam: float) -> float:
        if not (self.correct_lam or self.cutmix_minmax is not None):
            return lam
        top, bottom, left, right = box
        return 1.0 - (bottom - top) * (right - left) / float(image_size[0] * image_size[1])

    def sample_box(self, image_size: tuple[int, int], lam: float) -> tuple[Box, float]:
        """A random box for ratio ``lam`` (or for ``cutmix_minmax``) and its label weight."""
        height, width = image_size
        if self.cutmix_minmax is None:
            cy = int(torch.randint(0, height, ()))
            cx = int(torch.randint(0, width, ()))
            return self.box(image_size, lam, (cy, cx))
        lo, hi = self.cutmix_minmax
        cut_h = int(torch.randint(int(height * lo), max(int(height * hi), int(height * lo) + 1), ()))
        cut_w = int(torch.randint(int(width * lo), max(int(width * hi), int(width * lo) + 1), ()))
        top = int(torch.randint(0, max(height - cut_h, 1), ()))
        left = int(torch.randint(0, max(width - cut_w, 1), ()))
        box = (top, top + cut_h, left, left + cut_w)
        return box, self._label_weight(box, image_size, lam)

    def paste(
        self, inputs: torch.Tensor, scores: torch.Tensor, box: Box, label_weight: float, index: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """A copy of ``inputs`` with ``box`` taken from ``inputs[index]``, and the scores mixed by ``label_weight``."""
        top, bottom, left, right = box
        mixed = inputs.clone()
        mixed[:, :, top:bottom, left:right] = inputs[index, :, top:bottom, left:right]
        return mixed, label_weight * scores + (1 - label_weight) * scores[index]

    def __call__(self, inputs: torch.Tensor, scores: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        check_scores(inputs, scores)
        lam = self.sample_lam()
        index = torch.randperm(inputs.size(0), device=inputs.device)
        box, label_weight = self.sample_box((inputs.size(-2), inputs.size(-1)), lam)
        return self.paste(inputs, scores, box, label_weight, index)

    def __repr__(self) -> str:
        options = f"alpha={self.alpha}, cutmix_minmax={self.cutmix_minmax}, correct_lam={self.correct_lam}"
        return f"{type(self).__name__}({options})"

"""``Mixup``: blend every image and its label with another image of the batch (Zhang et al., 2018)."""

from __future__ import annotations

import torch

from ..registry import BATCH_AUGMENTS


def check_alpha(alpha: object) -> float:
    """``alpha`` of the Beta(alpha, alpha) mixing ratio, a positive number.

    >>> check_alpha(0.2)
    0.2
    """
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or alpha <= 0:
        raise ValueError(f"alpha must be a positive number (of the Beta(alpha, alpha) mixing ratio), got {alpha!r}")
    return float(alpha)


def check_scores(inputs: torch.Tensor, scores: torch.Tensor) -> None:
    """Raise unless ``scores`` is a float ``(N, num_classes)`` tensor for the ``N`` images of ``inputs``."""
    if inputs.dim() != 4:
        raise ValueError(f"batch augments take images (N, C, H, W), got shape {tuple(inputs.shape)}")
    if scores.dim() != 2 or scores.size(0) != inputs.size(0) or not scores.is_floating_point():
        raise ValueError(
            f"batch augments take one-hot float scores (N, num_classes) for {inputs.size(0)} images, "
            f"got {scores.dtype} of shape {tuple(scores.shape)}"
        )


@BATCH_AUGMENTS.register_module()
class Mixup:
    """``lam * x + (1 - lam) * x[index]`` for the images and their one-hot scores, as mmpretrain's ``Mixup``.

    ``lam`` is drawn from Beta(alpha, alpha) and ``index`` is a random
    permutation of the batch, both from torch's global generator (mmpretrain
    draws ``lam`` from numpy's). The inputs are not modified.

    Args:
        alpha: the parameter of the Beta distribution, ``> 0``.

    >>> mixup = Mixup(alpha=1.0)
    >>> images, scores = torch.ones(2, 1, 2, 2), torch.eye(2)
    >>> mixed, soft = mixup.mix(images * torch.tensor([1.0, 3.0]).view(2, 1, 1, 1), scores, 0.75, torch.tensor([1, 0]))
    >>> mixed[:, 0, 0, 0].tolist(), soft.tolist()
    ([1.5, 2.5], [[0.75, 0.25], [0.25, 0.75]])
    """

    def __init__(self, alpha: float) -> None:
        self.alpha = check_alpha(alpha)

    def sample_lam(self) -> float:
        """A mixing ratio from Beta(alpha, alpha)."""
        alpha = torch.tensor(self.alpha)
        return float(torch.distributions.Beta(alpha, alpha).sample())

    def mix(
        self, inputs: torch.Tensor, scores: torch.Tensor, lam: float, index: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """The mixed batch for a given ratio ``lam`` and partner ``index``."""
        return lam * inputs + (1 - lam) * inputs[index], lam * scores + (1 - lam) * scores[index]

    def __call__(self, inputs: torch.Tensor, scores: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        check_scores(inputs, scores)
        index = torch.randperm(inputs.size(0), device=inputs.device)
        return self.mix(inputs, scores, self.sample_lam(), index)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(alpha={self.alpha})"

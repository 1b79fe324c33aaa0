"""``bias_init_with_prob``: the bias that makes a sigmoid output start at a given probability."""

from __future__ import annotations

import math

from .validation import check_number


def bias_init_with_prob(prior_prob: float) -> float:
    """The bias ``b`` with ``sigmoid(b) == prior_prob``, that is ``-log((1 - p) / p)``.

    Focal-loss classifiers start their logits at a small prior probability so
    that the many background anchors do not swamp the first updates.

    Args:
        prior_prob: the probability the output should start at, in ``(0, 1)``.

    >>> round(bias_init_with_prob(0.01), 4)
    -4.5951
    >>> bias_init_with_prob(0.5)
    0.0
    """
    p = check_number(prior_prob, "prior_prob", "bias_init_with_prob")
    if not 0.0 < p < 1.0:
        raise ValueError(f"bias_init_with_prob: prior_prob must be in the open interval (0, 1), got {prior_prob!r}")
    return math.log(p / (1.0 - p))  # == -log((1 - p) / p), but 0.0 rather than -0.0 at p = 0.5

"""``FanBasedInit``: the base of the schemes scaled by a layer's fan-in or fan-out."""

from __future__ import annotations

from torch import nn

from .initializer import Initializer
from .weight_and_bias import weight_of


class FanBasedInit(Initializer):
    """An initializer whose scale depends on fan-in or fan-out (Xavier, Kaiming).

    Fan-in and fan-out are undefined for a 1-D weight, so when such an
    initializer covers a whole module (no ``layer``, e.g. through ``override``)
    it leaves normalisation layers alone instead of failing on them. Naming a
    normalisation layer in ``layer`` is a mistake and raises ``ValueError``.
    """

    def accepts(self, module: nn.Module) -> bool:
        weight = weight_of(module)
        return weight is not None and weight.dim() >= 2

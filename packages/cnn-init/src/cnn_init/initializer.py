"""``Initializer``: the base class of everything ``init_cfg`` can name."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any

from torch import nn

from .bias_prob import bias_init_with_prob
from .validation import check_module, check_number
from .weight_and_bias import bias_of, weight_of


def class_names(module: nn.Module) -> list[str]:
    """The names of the module's class and all its base classes, most specific first.

    ``layer='_BatchNorm'`` matches ``BatchNorm2d`` because ``_BatchNorm`` is in
    this list.

    >>> class_names(nn.Conv2d(1, 1, 1))[:3]
    ['Conv2d', '_ConvNd', 'Module']
    """
    return list(_class_names_of(type(module)))


_CLASS_NAMES: dict[type, tuple[str, ...]] = {}


def _class_names_of(module_type: type) -> tuple[str, ...]:
    """`class_names` of an instance of ``module_type``; a class's MRO is fixed, so one walk per class."""
    names = _CLASS_NAMES.get(module_type)
    if names is None:
        names = _CLASS_NAMES[module_type] = tuple(cls.__name__ for cls in module_type.__mro__ if cls is not object)
    return names


class Initializer(ABC):
    """Sets the weight and bias of the modules it targets when called on a model.

    A subclass implements `init_module` for one module; the base class
    picks the modules. With ``layer`` given, the targets are the submodules
    whose class, or any base class, has one of those names. Without it, the
    target is the whole module: every submodule with a weight or a bias.

    Args:
        layer: a class name or a list of class names to initialise, e.g.
            ``'Conv2d'`` or ``['_ConvNd', 'Linear']``; ``None`` for all.
        bias: the value every targeted bias is set to.
        bias_prob: if given, the bias is ``bias_init_with_prob(bias_prob)``
            instead of ``bias``.

    >>> from cnn_init import NormalInit
    >>> model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    >>> init = NormalInit(std=0.01, bias=0.5, layer='Conv2d')
    >>> [name for name, _ in init.targets(model)]
    ['0']
    >>> init(model)
    >>> model[0].bias.tolist()
    [0.5, 0.5, 0.5, 0.5]
    """

    #: The short name ``init_cfg`` uses, shown in ``repr`` and the init table: the class
    #: name without its ``Init`` suffix (``NormalInit`` is ``'Normal'``), unless a subclass sets it.
    name: str = "Initializer"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "name" not in cls.__dict__:
            cls.name = cls.__name__.removesuffix("Init") or cls.__name__

    def __init__(
        self,
        *,
        layer: str | Sequence[str] | None = None,
        bias: float = 0,
        bias_prob: float | None = None,
    ) -> None:
        func = type(self).__name__
        self.bias = check_number(bias, "bias", func)
        self.bias_prob = None if bias_prob is None else check_number(bias_prob, "bias_prob", func)
        if self.bias_prob is not None:
            if not 0.0 < self.bias_prob < 1.0:
                raise ValueError(f"{func}: bias_prob must be in the open interval (0, 1), got {bias_prob!r}")
            self.bias = bias_init_with_prob(self.bias_prob)
        self.layer = _layer_names(layer, func)

    @abstractmethod
    def init_module(self, module: nn.Module) -> None:
        """Initialise the weight and bias of one targeted module (not its children)."""

    def accepts(self, module: nn.Module) -> bool:
        """Whether a whole-module initialisation touches ``module``: it has a weight or a bias."""
        return weight_of(module) is not None or bias_of(module) is not None

    def targets(self, module: nn.Module) -> list[tuple[str, nn.Module]]:
        """The ``(name, submodule)`` pairs that calling the initializer on ``module`` sets."""
        check_module(module, type(self).__name__)
        if self.layer is None:
            return [(n, m) for n, m in module.named_modules() if self.accepts(m)]
        wanted = set(self.layer)
        return [(n, m) for n, m in module.named_modules() if not wanted.isdisjoint(_class_names_of(type(m)))]

    def __call__(self, module: nn.Module) -> None:
        """Initialise every target in ``module``."""
        for _, target in self.targets(module):
            self.init_module(target)

    def arguments(self) -> dict[str, Any]:
        """The scheme's own arguments, for ``repr`` (``bias`` and ``layer`` are added by the base class)."""
        return {}

    def __repr__(self) -> str:
        args = dict(self.arguments())
        if self.bias_prob is not None:
            args["bias_prob"] = self.bias_prob
        else:
            args["bias"] = self.bias
        if self.layer is not None:
            args["layer"] = list(self.layer) if len(self.layer) > 1 else self.layer[0]
        return f"{self.name}(" + ", ".join(f"{k}={v!r}" for k, v in args.items()) + ")"


def _layer_names(layer: str | Sequence[str] | None, func: str) -> tuple[str, ...] | None:
    if layer is None:
        return None
    if isinstance(layer, str):
        names: tuple[Any, ...] = (layer,)
    elif isinstance(layer, Sequence):
        names = tuple(layer)
    else:
        raise TypeError(
            f"{func}: layer must be a class name or a list of class names, got {type(layer).__name__}: {layer!r}"
        )
    if not names or not all(isinstance(n, str) and n for n in names):
        raise TypeError(f"{func}: layer must be a class name or a non-empty list of class names, got {layer!r}")
    return names


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

"""The registry of weight initializers that ``init_cfg`` names, and the decorator that fills it."""

from __future__ import annotations

from typing import TypeVar

from cnn_registry import Registry

#: Its ``locations`` is the package, whose ``__init__`` imports every module in it,
#: so a module that registers a new initializer needs no import line.
INITIALIZERS = Registry("initializers", scope="cnn_init", locations=["cnn_init"])

T = TypeVar("T", bound=type)


def register_initializer(cls: T) -> T:
    """Register an initializer class under its short name and its class name.

    The short name is the class name without its ``Init`` suffix, the name
    ``init_cfg`` uses: ``NormalInit`` is ``dict(type='Normal')`` (or
    ``'NormalInit'``). It is also the ``name`` the class shows in ``repr``.

    >>> from cnn_init import Initializer
    >>> with INITIALIZERS.temporary_registrations():
    ...     @register_initializer
    ...     class HalfInit(Initializer):
    ...         def init_module(self, module):
    ...             module.weight.data.fill_(0.5)
    ...     print(HalfInit.name, 'Half' in INITIALIZERS, 'HalfInit' in INITIALIZERS)
    Half True True
    """
    short = cls.__name__.removesuffix("Init") or cls.__name__
    INITIALIZERS.register_module(name=[short, cls.__name__] if short != cls.__name__ else cls.__name__, module=cls)
    return cls

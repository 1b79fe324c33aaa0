"""``lazy_exports``: a package's public names, each imported from its module when first read (PEP 562).

A package keeps ``import package`` cheap by naming where each heavy name lives
instead of importing it::

    # package/__init__.py
    __getattr__, __dir__ = lazy_exports(__name__, {"load_checkpoint": "checkpoint"})
"""

from __future__ import annotations

import sys

TYPE_CHECKING = False  # see registry.py: typing stays unimported at run time
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any


def lazy_exports(package: str, locations: Mapping[str, str]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``, which give each name of ``locations`` on first use.

    Args:
        package: The package's ``__name__``.
        locations: Each lazily imported name and the submodule (relative to ``package``) defining it.

    The value read is kept in the package's namespace, so later reads cost nothing.

    >>> import types
    >>> package = sys.modules.setdefault('lazy_demo', types.ModuleType('lazy_demo'))
    >>> package.__path__ = []
    >>> sys.modules['lazy_demo.maths'] = types.SimpleNamespace(tau=6.28)
    >>> getattr_, dir_ = lazy_exports('lazy_demo', {'tau': 'maths'})
    >>> getattr_('tau'), 'tau' in vars(package), 'tau' in dir_()
    (6.28, True, True)
    >>> getattr_('pi')
    Traceback (most recent call last):
    AttributeError: module 'lazy_demo' has no attribute 'pi'
    >>> for name in ('lazy_demo', 'lazy_demo.maths'):
    ...     del sys.modules[name]
    """

    def module_getattr(name: str) -> Any:
        module = locations.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        import importlib  # only when a lazy name is first read

        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        setattr(sys.modules[package], name, value)
        return value

    def module_dir() -> list[str]:
        return sorted({*vars(sys.modules[package]), *locations})

    return module_getattr, module_dir

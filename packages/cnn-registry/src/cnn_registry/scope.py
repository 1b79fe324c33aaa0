"""The default scope: where an unprefixed ``type`` name is looked up first.

OpenMMLab configs carry ``default_scope = 'mmdet'``; while that scope is in
effect, ``type='ResNet'`` resolves through the registry of scope ``'mmdet'``
(when the registry tree has one), then through the registry the lookup
started from. A ``scope.Name`` prefix always wins over the default scope.

>>> from cnn_registry import DefaultScope, default_scope
>>> with default_scope('mmdet'):
...     DefaultScope.get_current_instance().scope_name
'mmdet'
>>> DefaultScope.get_current_instance() is None
True
"""

from __future__ import annotations

from contextvars import ContextVar

TYPE_CHECKING = False  # see registry.py: typing stays unimported at run time
if TYPE_CHECKING:
    from contextlib import AbstractContextManager
    from contextvars import Token


class DefaultScope:
    """A named default scope, shaped like mmengine's ``DefaultScope``.

    ``DefaultScope.get_instance(name, scope_name='mmdet')`` makes ``'mmdet'``
    the default scope of the current thread or task until another instance is
    made; `default_scope` (a context manager) sets it for a block only.
    """

    def __init__(self, name: str, scope_name: str) -> None:
        if not isinstance(scope_name, str) or not scope_name or "." in scope_name:
            raise ValueError(f"scope_name must be a non-empty string without dots, got {scope_name!r}")
        self.instance_name = name
        self.scope_name = scope_name

    @classmethod
    def get_instance(cls, name: str, *, scope_name: str) -> DefaultScope:
        """Make ``scope_name`` the default scope from now on and return its instance."""
        instance = cls(name, scope_name)
        _CURRENT.set(instance)
        return instance

    @classmethod
    def get_current_instance(cls) -> DefaultScope | None:
        """The default scope in effect, or None."""
        return _CURRENT.get()

    @classmethod
    def overwrite_default_scope(cls, scope_name: str | None) -> AbstractContextManager[None]:
        """A context manager that sets the default scope (None: leave it as it is) for a block."""
        return default_scope(scope_name)

    def __repr__(self) -> str:
        return f"DefaultScope({self.instance_name!r}, scope_name={self.scope_name!r})"


_CURRENT: ContextVar[DefaultScope | None] = ContextVar("cnn_registry_default_scope", default=None)


class default_scope:  # noqa: N801 - used like a function: `with default_scope('mmdet'):`
    """Make ``scope_name`` the default scope inside a ``with`` block; None leaves it unchanged."""

    def __init__(self, scope_name: str | None) -> None:
        if scope_name is not None and (not isinstance(scope_name, str) or not scope_name or "." in scope_name):
            raise ValueError(f"scope_name must be None or a non-empty string without dots, got {scope_name!r}")
        self.scope_name = scope_name
        self._tokens: list[Token[DefaultScope | None] | None] = []

    def __enter__(self) -> None:
        if self.scope_name is not None:
            self._tokens.append(_CURRENT.set(DefaultScope("default_scope", self.scope_name)))
        else:
            self._tokens.append(None)

    def __exit__(self, *exc_info: object) -> None:
        token = self._tokens.pop()
        if token is not None:
            _CURRENT.reset(token)


def current_scope_name() -> str | None:
    """The name of the default scope in effect, or None."""
    instance = _CURRENT.get()
    return instance.scope_name if instance is not None else None

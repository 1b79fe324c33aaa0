"""``ConfigDict``: a ``dict`` whose keys are also attributes (``cfg.model.backbone.depth``).

What `load_config` returns. It is a real ``dict`` subclass, so code written
for plain dicts keeps working; nested dicts, and dicts inside lists and
tuples, are ``ConfigDict`` too.

>>> cfg = ConfigDict(model=dict(backbone=dict(depth=50), heads=[dict(type='Linear')]))
>>> cfg.model.backbone.depth
50
>>> cfg.model.heads[0].type
'Linear'
>>> cfg.model.backbone.depth = 101
>>> cfg['model']['backbone']
{'depth': 101}
>>> isinstance(cfg, dict)
True
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    _DictBase = dict[str, Any]
else:  # no typing import at run time
    _DictBase = dict


class ConfigDict(_DictBase):
    """A ``dict`` with attribute access to its keys, recursively.

    A key that is also a ``dict`` method (``items``, ``copy``, ``keys`` ...)
    is reached with ``cfg['items']``; attributes always mean the method.
    A missing key is an ``AttributeError`` for ``cfg.name`` (so ``getattr``
    and ``hasattr`` work) and a ``KeyError`` for ``cfg['name']``.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, to_config_dict(value))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            known = ", ".join(repr(k) for k in self) or "none"
            raise AttributeError(f"config has no key {name!r}; its keys: {known}") from None

    def __setattr__(self, name: str, value: Any) -> None:
        self[name] = value

    def __delattr__(self, name: str) -> None:
        try:
            del self[name]
        except KeyError:
            raise AttributeError(f"config has no key {name!r}") from None

    def update(self, *args: Any, **kwargs: Any) -> None:
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def copy(self) -> ConfigDict:
        """A shallow copy of the same class."""
        return type(self)(self)

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (dict(self),))

    def to_dict(self) -> dict[str, Any]:
        """A plain ``dict`` copy, recursively (lists and tuples are copied too)."""
        plain: dict[str, Any] = to_plain(self)
        return plain


def to_config_dict(value: Any) -> Any:
    """``value`` with every plain ``dict`` in it (in lists and tuples too) made a `ConfigDict`."""
    if isinstance(value, dict) and not isinstance(value, ConfigDict):
        return ConfigDict(value)
    if isinstance(value, list):
        return [to_config_dict(v) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(to_config_dict(v) for v in value)
    return value


def to_plain(value: Any) -> Any:
    """``value`` with every ``ConfigDict`` in it copied into a plain ``dict``."""
    if isinstance(value, dict):
        return {k: to_plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_plain(v) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(to_plain(v) for v in value)
    return value

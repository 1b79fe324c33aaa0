"""``Registry``: a named table of classes that configs refer to by name."""

from __future__ import annotations

import sys
import threading

from .build import build_from_cfg
from .discovery import Source, entry_point_sources, import_sources
from .errors import AlreadyRegisteredError, UnknownTypeError, close_matches
from .scope import current_scope_name, default_scope

TYPE_CHECKING = False  # not typing.TYPE_CHECKING: importing typing would double the import time
if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Mapping, Sequence
    from typing import Any, TypeVar, overload

    T = TypeVar("T")
    BuildFunc = Callable[..., Any]


def _caller_package(depth: int) -> str:
    """Top-level package of the module ``depth`` frames up, the default scope."""
    try:
        module = sys._getframe(depth).f_globals.get("__name__", "")
    except ValueError:
        return ""
    return str(module).split(".")[0]


def _origin(obj: Any) -> str:
    """Where ``obj`` was defined, as ``module.QualifiedName``."""
    return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', obj)}"


class Registry:
    """A table mapping names to classes or functions, built from configs.

    The arguments are in mmengine's order, so ``Registry('models', build_model_from_cfg)``
    works as there; keywords read better.

    Args:
        name: what the registry holds, e.g. ``'conv_layers'``.
        build_func: replaces `build_from_cfg` (same signature);
            children inherit their parent's.
        parent: a registry to fall back on; lookups go child first, then parents.
        scope: the registry's namespace; ``'scope.Name'`` addresses it from
            anywhere in the tree. Defaults to the calling module's package.
        locations: modules imported on the first lookup that misses.

    >>> MODELS = Registry('models', scope='demo')
    >>> @MODELS.register_module(name=['Linear', 'Dense'])
    ... class Linear:
    ...     def __init__(self, width=8):
    ...         self.width = width
    >>> MODELS.build(dict(type='Dense', width=4)).width
    4
    >>> MODELS.get('demo.Linear') is Linear
    True
    >>> MODELS.get('Conv') is None  # `lookup` or `build` explain a missing name
    True
    """

    def __init__(
        self,
        name: str,
        build_func: BuildFunc | None = None,
        parent: Registry | None = None,
        scope: str | None = None,
        locations: Sequence[str] = (),
    ) -> None:
        if not isinstance(name, str) or not name:
            raise TypeError(f"name must be a non-empty string, got {name!r}")
        if parent is not None and not isinstance(parent, Registry):
            raise TypeError(f"parent must be a Registry or None, got {type(parent).__name__}: {parent!r}")
        if scope is not None and not isinstance(scope, str):
            raise TypeError(f"scope must be None or a string, got {type(scope).__name__}: {scope!r}")
        if scope is not None and (not scope or "." in scope):
            raise ValueError(
                f"scope must be a non-empty string without dots ('scope.Name' splits at the dot), got {scope!r}"
            )
        if isinstance(locations, str):
            raise TypeError(f"locations must be a sequence of module names, got the string {locations!r}")
        self.name = name
        self.scope = scope if scope is not None else _caller_package(2)
        self.parent = parent
        self.locations = tuple(locations)
        self._build_func = build_func
        self._modules: dict[str, Any] = {}
        self._children: dict[str, Registry] = {}
        self._lock = threading.RLock()
        self._discovered = False
        self._discovering = False
        self._discovery_failures: list[str] = []
        self._sources: list[Source] = []
        if parent is not None:
            parent._add_child(self)

    # ------------------------------------------------------------------ tree
    @property
    def qualified_name(self) -> str:
        """``<scope>.<name>``: the entry-point name other distributions use."""
        return f"{self.scope}.{self.name}"

    @property
    def children(self) -> Mapping[str, Registry]:
        """The child registries, by scope."""
        return dict(self._children)

    @property
    def root(self) -> Registry:
        """The registry at the top of this one's tree."""
        node = self
        while node.parent is not None:
            node = node.parent
        return node

    @property
    def build_func(self) -> BuildFunc:
        """The function `build` calls: own, else inherited, else `build_from_cfg`."""
        node: Registry | None = self
        while node is not None:
            if node._build_func is not None:
                return node._build_func
            node = node.parent
        return build_from_cfg

    @property
    def module_dict(self) -> Mapping[str, Any]:
        """A read-only view of the names registered here (lazy sources included)."""
        self._discover()
        return _MAPPING_PROXY(self._modules)

    @staticmethod
    def split_scope_key(key: str) -> tuple[str | None, str]:
        """``'mmdet.ResNet'`` -> ``('mmdet', 'ResNet')``; ``'ResNet'`` -> ``(None, 'ResNet')``.

        Only the first dot splits: ``'a.b.Name'`` -> ``('a', 'b.Name')``.

        >>> Registry.split_scope_key('a.b.Name')
        ('a', 'b.Name')
        """
        scope, dot, rest = key.partition(".")
        return (scope, rest) if dot else (None, key)

    def switch_scope_and_registry(self, scope: str | None) -> _ScopeSwitch:
        """A context manager: ``scope`` becomes the default scope, and ``as`` gives its registry.

        The registry with that scope in this tree, or this registry when there
        is none (or ``scope`` is None), as mmengine's method of the same name.
        """
        return _ScopeSwitch(self, scope)

    def _add_child(self, child: Registry) -> None:
        with self._lock:
            if child.scope in self._children:
                raise ValueError(
                    f"registry {self.name!r} already has a child with scope {child.scope!r}; "
                    "give the new registry another scope"
                )
            self._children[child.scope] = child

    def _ancestry(self) -> Iterator[Registry]:
        node: Registry | None = self
        while node is not None:
            yield node
            node = node.parent

    def find_scope(self, scope: str) -> Registry | None:
        """The registry with ``scope``: this one, a child, else anywhere in the tree from the root."""
        if scope == self.scope:
            return self
        if scope in self._children:
            return self._children[scope]
        pending = [self.root]
        while pending:
            node = pending.pop(0)
            if node.scope == scope:
                return node
            pending.extend(node._children.values())
        return None

    # ------------------------------------------------------------- register
    if TYPE_CHECKING:

        @overload
        def register_module(self, name: type[T], force: bool = ..., module: None = ...) -> type[T]: ...

        @overload
        def register_module(
            self, name: str | Sequence[str] | None = ..., force: bool = ..., module: None = ...
        ) -> Callable[[T], T]: ...

        @overload
        def register_module(self, name: str | Sequence[str] | None, force: bool, module: T) -> T: ...

        @overload
        def register_module(self, name: str | Sequence[str] | None = ..., *, force: bool = ..., module: T) -> T: ...

    def register_module(self, name: Any = None, force: bool = False, module: Any = None) -> Any:
        """Register a class or function, as a decorator or as a plain call.

        ``@REG.register_module``, ``@REG.register_module()``,
        ``@REG.register_module(name='Alias')``, ``@REG.register_module(name=['A', 'B'])``
        ``REG.register_module(module=cls)`` and mmengine's positional
        ``REG.register_module(name, force, module)`` all work. A name that is
        taken raises `AlreadyRegisteredError` unless ``force=True``; a name
        with a dot is refused (the dot separates a scope from a name).
        """
        if not isinstance(force, bool):
            raise TypeError(f"force must be a bool, got {type(force).__name__}: {force!r}")
        if module is not None:
            self._register(module, name, force)
            return module
        if isinstance(name, type) or (callable(name) and not isinstance(name, str)):
            self._register(name, None, force)  # bare @REG.register_module
            return name

        def decorator(obj: T) -> T:
            self._register(obj, name, force)
            return obj

        return decorator

    def _register(self, obj: Any, name: str | Sequence[str] | None, force: bool) -> None:
        if not callable(obj):
            raise TypeError(
                f"registry {self.name!r} registers classes and functions only, got {type(obj).__name__}: {obj!r}"
            )
        if name is None:
            names = [obj.__name__]
        elif isinstance(name, str):
            names = [name]
        elif isinstance(name, (list, tuple)) and all(isinstance(n, str) for n in name):
            names = list(name)
        else:
            raise TypeError(f"name must be None, a string or a list of strings, got {name!r}")
        if not names or any(not n for n in names):
            raise ValueError(f"name must contain non-empty strings, got {name!r}")
        dotted = [n for n in names if "." in n]
        if dotted:
            raise ValueError(
                f"name {dotted[0]!r} contains a dot, which separates a scope from a name in lookups "
                f"('scope.Name'), so it could never be found; register it as {dotted[0].replace('.', '_')!r} "
                "or another name without dots"
            )
        with self._lock:
            if not force:
                for n in names:
                    if n in self._modules and self._modules[n] is not obj:
                        raise AlreadyRegisteredError(
                            f"{n!r} is already registered in {self.name!r} (by {_origin(self._modules[n])}); "
                            "pass force=True to replace it or choose another name"
                        )
            for n in names:
                self._modules[n] = obj

    def unregister(self, name: str) -> Any:
        """Remove ``name`` (aliases of the same object stay) and return what it named.

        Raises `UnknownTypeError` when ``name`` is not registered here.
        """
        with self._lock:
            if name not in self._modules:
                raise self._unknown(name, [self])
            return self._modules.pop(name)

    def temporary_registrations(self) -> _RegistrationsUndone:
        """A context manager that undoes every registration made inside it.

        For tests and examples that register throw-away types. Lazy sources are
        imported first, so what they register stays.

        >>> REG = Registry('scratch', scope='doc')
        >>> with REG.temporary_registrations():
        ...     _ = REG.register_module(name='Tmp', module=dict)
        ...     'Tmp' in REG
        True
        >>> 'Tmp' in REG
        False
        """
        return _RegistrationsUndone(self)

    # --------------------------------------------------------------- lookup
    def _discover(self) -> None:
        """Import the lazy locations and entry points once (thread-safe)."""
        if self._discovered:
            return
        with self._lock:  # other threads wait here until the imports are done
            if self._discovered or self._discovering:
                return  # _discovering: a module being imported looks something up (same thread)
            self._discovering = True
            try:
                self._sources = [Source(m, "locations") for m in self.locations]
                self._sources += entry_point_sources(self.qualified_name)
                self._discovery_failures = import_sources(self.name, self._sources)
            finally:
                self._discovering = False
                self._discovered = True

    def _get_local(self, name: str) -> Any:
        obj = self._modules.get(name)
        if obj is None and not self._discovered:
            self._discover()
            obj = self._modules.get(name)
        return obj

    def _find(self, key: str, use_default_scope: bool = True) -> tuple[Any, list[Registry]]:
        """The object for ``key`` and the registries searched, in order.

        ``scope.Name`` searches the registry of that scope and its ancestors
        (``a.b.Name`` goes through scope ``a``, then its child ``b``); a scope
        that is nowhere in the tree is dropped, so ``'mmdet.ResNet'`` finds
        ``ResNet``. An unprefixed name searches the default scope's registry
        first (see `default_scope`), then this registry and its ancestors.
        """
        scope, name = self.split_scope_key(key)
        if scope is not None:
            scoped = self.find_scope(scope)
            return (scoped if scoped is not None else self)._find(name, use_default_scope=False)
        chain = list(self._ancestry())
        preferred = current_scope_name() if use_default_scope else None
        if preferred is not None and preferred != self.scope:
            scoped = self.find_scope(preferred)
            if scoped is not None:
                first = list(scoped._ancestry())
                chain = first + [r for r in chain if r not in first]
        searched = []
        for registry in chain:
            searched.append(registry)
            obj = registry._get_local(name)
            if obj is not None:
                return obj, searched
        return None, searched

    def get(self, key: str) -> Any:
        """The class or function registered as ``key`` (a name, an alias or ``scope.Name``), or None.

        None when nothing matches, as mmengine's ``Registry.get``; `lookup`
        (or ``REG[key]``) raises an error that explains the miss instead.
        """
        if not isinstance(key, str):
            raise TypeError(f"key must be a string, got {type(key).__name__}: {key!r}")
        return self._find(key)[0]

    def lookup(self, key: str) -> Any:
        """Like `get`, but a missing name raises `UnknownTypeError`.

        The error (a ``KeyError``) names the registries searched, the closest
        names and how to register one. ``REG[key]`` is the same.
        """
        if not isinstance(key, str):
            raise TypeError(f"key must be a string, got {type(key).__name__}: {key!r}")
        obj, searched = self._find(key)
        if obj is None:
            raise self._unknown(key, searched)
        return obj

    def __getitem__(self, key: str) -> Any:
        return self.lookup(key)

    def _unknown(self, key: str, searched: list[Registry]) -> UnknownTypeError:
        name = key.rsplit(".", 1)[-1]
        known = sorted({n for r in searched for n in r._modules})
        near = close_matches(name, known)
        lines = [f"{key!r} is not in the {self.name!r} registry."]
        lines.append("Searched: " + " -> ".join(f"{r.name!r} (scope {r.scope!r})" for r in searched) + ".")
        if near:
            lines.append("Did you mean: " + ", ".join(repr(n) for n in near) + "?")
        shown = ", ".join(known[:40]) + (f", ... ({len(known)} in all)" if len(known) > 40 else "")
        lines.append(f"Registered names: {shown or 'none'}.")
        looked = [f"{s.module} ({s.origin})" for r in searched for s in r._sources]
        lines.append("Lazily imported: " + (", ".join(looked) if looked else "nothing") + ".")
        failures = [f for r in searched for f in r._discovery_failures]
        if failures:
            lines.append("Imports that failed: " + "; ".join(failures) + ".")
        lines.append(
            f"To add one, decorate a class with @<registry>.register_module() in a module that is imported, "
            f"or declare that module as an entry point in group 'cnn_registry' named {self.qualified_name!r}."
        )
        return UnknownTypeError("\n".join(lines), name=key, registry_name=self.name, candidates=near)

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self._find(key)[0] is not None

    def names(self) -> list[str]:
        """Every name registered here (not in parents), lazy sources included."""
        self._discover()
        return list(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self.names())

    def __len__(self) -> int:
        return len(self.names())

    def items(self) -> list[tuple[str, Any]]:
        """``(name, object)`` pairs registered here, lazy sources included."""
        self._discover()
        return list(self._modules.items())

    def __repr__(self) -> str:
        rows = [(n, _origin(o)) for n, o in self.items()]
        width = max([len("name")] + [len(n) for n, _ in rows])
        head = f"Registry(name={self.name!r}, scope={self.scope!r}, {len(rows)} names)"
        table = [f"  {'name'.ljust(width)}  defined in"] + [f"  {n.ljust(width)}  {where}" for n, where in rows]
        return "\n".join([head, *table])

    # ---------------------------------------------------------------- build
    def build(
        self, cfg: Mapping[str, Any], *args: Any, default_args: Mapping[str, Any] | None = None, **kwargs: Any
    ) -> Any:
        """Build ``cfg`` with this registry's build function.

        ``args`` and ``kwargs`` go to the constructor, besides the cfg's keys.
        """
        return self.build_func(cfg, self, default_args, *args, **kwargs)


class _ScopeSwitch:
    """What `Registry.switch_scope_and_registry` returns."""

    def __init__(self, registry: Registry, scope: str | None) -> None:
        self._registry = registry
        self._scope = scope
        self._context = default_scope(scope)

    def __enter__(self) -> Registry:
        self._context.__enter__()
        found = self._registry.find_scope(self._scope) if self._scope is not None else None
        return found if found is not None else self._registry

    def __exit__(self, *exc_info: object) -> None:
        self._context.__exit__(*exc_info)


_MAPPING_PROXY = type(type.__dict__)  # types.MappingProxyType, without importing types


class _RegistrationsUndone:
    """Restores a registry's table on exit (see `Registry.temporary_registrations`)."""

    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self._saved: dict[str, Any] = {}

    def __enter__(self) -> Registry:
        self._registry._discover()
        self._saved = dict(self._registry._modules)
        return self._registry

    def __exit__(self, *exc_info: object) -> None:
        with self._registry._lock:
            self._registry._modules.clear()
            self._registry._modules.update(self._saved)

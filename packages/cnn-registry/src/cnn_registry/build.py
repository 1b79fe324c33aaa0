"""``build_from_cfg``: turn ``dict(type=..., **kwargs)`` into an object."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from .errors import BuildError, BuildKeyError, MissingTypeError
from .scope import default_scope

SCOPE_KEY = "_scope_"

TYPE_CHECKING = False  # see registry.py: typing stays unimported at run time
if TYPE_CHECKING:
    from typing import Any

    from .registry import Registry


def copy_containers(value: Any) -> Any:
    """Copy nested dicts, lists, tuples and sets; share every other object.

    Constructors may mutate the dicts they receive (``dcn.pop(...)``); giving
    them copies keeps the caller's config intact without deep-copying tensors
    or modules that a config may hold. A `ConfigDict` stays a `ConfigDict`,
    so a constructor may read ``train_cfg.assigner`` as OpenMMLab code does.
    """
    if isinstance(value, Mapping):
        copied = {k: copy_containers(v) for k, v in value.items()}
        if type(value) is not dict:
            from .config_dict import ConfigDict

            if isinstance(value, ConfigDict):
                return ConfigDict(copied)
        return copied
    if isinstance(value, list):
        return [copy_containers(v) for v in value]
    if isinstance(value, tuple) and not hasattr(value, "_fields"):
        return tuple(copy_containers(v) for v in value)
    if isinstance(value, set):
        return {copy_containers(v) for v in value}
    return value


def build_from_cfg(
    cfg: Mapping[str, Any],
    registry: Registry,
    /,
    default_args: Mapping[str, Any] | None = None,
    *args: Any,
    **kwargs: Any,
) -> Any:
    """Build the object that ``cfg`` describes.

    ``cfg['type']`` is a name registered in ``registry`` (or an alias, or
    ``scope.Name``), or a class or callable. The other keys, then the keys of
    ``default_args`` that ``cfg`` lacks, then ``kwargs`` become keyword
    arguments; ``args`` are passed positionally. ``cfg`` and ``default_args``
    are never modified.

    A ``_scope_`` key (mmengine's) makes that scope the default scope while
    the object and everything it builds are built (see `default_scope`).
    ``default_args`` may be given by keyword, as OpenMMLab code does
    (``build_from_cfg(cfg, REG, default_args=dict(...))``). A custom
    ``build_func`` given to `Registry` has this same signature.

    >>> from cnn_registry import Registry
    >>> SHAPES = Registry('shapes')
    >>> @SHAPES.register_module()
    ... class Square:
    ...     def __init__(self, side=1):
    ...         self.side = side
    >>> build_from_cfg(dict(type='Square'), SHAPES, default_args=dict(side=3)).side
    3
    """
    if not isinstance(cfg, Mapping):
        raise TypeError(f"cfg must be a mapping such as dict(type='Name', ...), got {type(cfg).__name__}: {cfg!r}")
    from .registry import Registry

    if not isinstance(registry, Registry):
        raise TypeError(f"registry must be a cnn_registry.Registry, got {type(registry).__name__}: {registry!r}")
    if default_args is not None and not isinstance(default_args, Mapping):
        raise TypeError(f"default_args must be a mapping or None, got {type(default_args).__name__}: {default_args!r}")

    params = {k: copy_containers(v) for k, v in cfg.items()}
    for key, value in (default_args or {}).items():
        params.setdefault(key, copy_containers(value))
    if "type" not in params:
        raise MissingTypeError(
            f"cfg must contain the key 'type' naming what to build in registry {registry.name!r}, "
            f"got {dict(cfg)!r}" + (f" with default_args {dict(default_args)!r}" if default_args else "")
        )
    obj_type = params.pop("type")
    scope = params.pop(SCOPE_KEY, None)
    if scope is not None and (not isinstance(scope, str) or not scope or "." in scope):
        raise ValueError(f"cfg[{SCOPE_KEY!r}] must be a scope name such as 'mmdet', got {scope!r}")
    clashes = sorted(set(params) & set(kwargs))
    if clashes:
        raise TypeError(
            f"argument(s) {clashes} given both in cfg {dict(cfg)!r} and by the caller; remove them from the cfg"
        )
    params.update(kwargs)

    with default_scope(scope):  # None: the default scope stays as it is
        if isinstance(obj_type, str):
            obj_cls = registry.lookup(obj_type)
        elif callable(obj_type):
            obj_cls = obj_type
        else:
            raise TypeError(
                "cfg['type'] must be a registered name, a class or a callable, "
                f"got {type(obj_type).__name__}: {obj_type!r}"
            )
        try:
            return obj_cls(*args, **params)
        except Exception as exc:
            raise _with_context(exc, obj_cls, cfg) from exc


def _with_context(exc: Exception, obj_cls: Any, cfg: Mapping[str, Any]) -> Exception:
    """The same kind of exception, its message prefixed with what was being built."""
    name = getattr(obj_cls, "__name__", repr(obj_cls))
    module = getattr(obj_cls, "__module__", "?")
    plain_key_error = isinstance(exc, KeyError) and type(exc).__str__ is KeyError.__str__
    detail = f"KeyError: {exc!s}" if plain_key_error else str(exc)
    message = f"{name} (from {module}) failed to build from cfg {dict(cfg)!r}: {detail}"
    hint = _signature_hint(exc, obj_cls, [k for k in cfg if k != "type"])
    if hint:
        message += f"\n{hint}"
    return _same_kind(exc, message)


def _same_kind(exc: Exception, message: str) -> Exception:
    """``exc`` re-created with ``message``, so ``except ValueError`` still catches it.

    The copy is made without calling the class's ``__init__`` (which may take
    other arguments) and kept only if its ``str()`` shows the new message; a
    plain ``KeyError`` (whose ``str()`` is a repr) becomes `BuildKeyError`,
    anything else that does not fit becomes `BuildError`.
    """
    cls = type(exc)
    try:
        wrapped = cls.__new__(cls)
        wrapped.__dict__.update(exc.__dict__)
        wrapped.args = (message,)
        if str(wrapped) == message:
            return wrapped
    except Exception:
        pass
    return BuildKeyError(message) if isinstance(exc, KeyError) else BuildError(message)


def _signature_hint(exc: Exception, obj_cls: Any, given: Iterable[str] = ()) -> str:
    """For an argument that ``obj_cls`` itself refused or missed, list what it accepts and the likely typo.

    Covers "unexpected keyword argument" and "missing required argument"
    (where a misspelt key in the cfg, ``given``, is the usual cause). The
    list is only added when the failing function (named by Python's own
    message) is ``obj_cls`` or an ``__init__`` of its MRO: an error from a
    nested build or from a call inside the constructor keeps its own text.
    """
    if not isinstance(exc, TypeError):
        return ""
    import re

    from .errors import close_matches

    text = str(exc)
    unexpected = re.match(r"([\w.<>]+)\(\) got an unexpected keyword argument '(\w+)'", text)
    missing = re.match(r"([\w.<>]+)\(\) missing \d+ required (?:positional|keyword-only) arguments?: (.*)", text)
    match = unexpected or missing
    if match is None:
        return ""
    params = accepted_arguments(obj_cls, match.group(1))
    if params is None:
        return ""
    hint = f"accepted arguments: {', '.join(params) or 'none'}"
    if unexpected:
        pairs = [(close_matches(unexpected.group(2), params, limit=1), unexpected.group(2))]
    else:
        strays = [key for key in given if key not in params]
        pairs = []
        for name in re.findall(r"'(\w+)'", match.group(2)):
            stray = close_matches(name, strays, limit=1)
            if stray:
                pairs.append(([name], stray[0]))
    for near, wrong in pairs:
        if near:
            hint += f"; did you mean {near[0]!r} instead of {wrong!r}?"
    return hint


def accepted_arguments(obj_cls: Any, rejecter: str | None = None) -> list[str] | None:
    """The keyword arguments ``obj_cls`` accepts, those of the parents its ``**kwargs`` reach included.

    For a class, each ``__init__`` along the MRO adds its named parameters, as
    long as the ones before it forward ``**kwargs``. With ``rejecter`` (the
    ``Qualified.name`` of the function that refused an argument), None unless
    that function is ``obj_cls`` or one of those ``__init__`` methods.

    >>> class Base:
    ...     def __init__(self, depth, norm_eval=True): ...
    >>> class Wide(Base):
    ...     def __init__(self, width=2, **kwargs):
    ...         super().__init__(**kwargs)
    >>> accepted_arguments(Wide)
    ['width', 'depth', 'norm_eval']
    """
    import inspect

    if isinstance(obj_cls, type):
        inits = [(f"{k.__qualname__}.__init__", k.__dict__.get("__init__")) for k in obj_cls.__mro__]
        functions: list[tuple[str, Any]] = [(n, f) for n, f in inits if inspect.isfunction(f)]
        functions = functions or [(obj_cls.__qualname__, obj_cls)]
    else:
        functions = [(getattr(obj_cls, "__qualname__", ""), obj_cls)]
    names: list[str] = []
    matched = rejecter is None
    for qualname, function in functions:
        # Python names the function by its qualified name; a bare name ('__init__') is matched loosely.
        matched = matched or qualname == rejecter or ("." not in str(rejecter) and qualname.endswith(f".{rejecter}"))
        try:
            parameters = list(inspect.signature(function).parameters.values())
        except (TypeError, ValueError):
            return None
        if isinstance(obj_cls, type) and function is not obj_cls:
            parameters = parameters[1:]  # self
        names += [
            p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) and p.name not in names
        ]
        if not any(p.kind is p.VAR_KEYWORD for p in parameters):
            break
    return names if matched else None


def build_model_from_cfg(
    cfg: Mapping[str, Any] | list[Mapping[str, Any]] | tuple[Mapping[str, Any], ...],
    registry: Registry,
    /,
    default_args: Mapping[str, Any] | None = None,
) -> Any:
    """`build_from_cfg` for models; a list of configs becomes a ``torch.nn.Sequential``.

    mmengine's ``MODELS`` registry uses it as its ``build_func``
    (``Registry('models', build_func=build_model_from_cfg)``). torch is
    imported only when a list is given, so cnn-registry stays torch-free.

    Raises:
        TypeError: ``cfg`` is neither a mapping nor a list or tuple of mappings.
    """
    if isinstance(cfg, (list, tuple)):
        import torch.nn

        return torch.nn.Sequential(*(build_from_cfg(c, registry, default_args) for c in cfg))
    return build_from_cfg(cfg, registry, default_args)

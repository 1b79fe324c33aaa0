"""The registry's exceptions, with messages that say what to do next."""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable


class PlainMessageKeyError(KeyError):
    """A KeyError whose ``str()`` is its message, not the message's repr.

    ``str(KeyError('a\\nb'))`` shows quotes and escaped newlines, which makes
    multi-line explanations unreadable in a traceback. Other packages derive
    their own KeyErrors from it.

    >>> print(PlainMessageKeyError('line one\\nline two'))
    line one
    line two
    """

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


_PlainMessageKeyError = PlainMessageKeyError  # the earlier private name


class UnknownTypeError(PlainMessageKeyError):
    """Raised when a ``type`` name is found in no registry that was searched.

    Attributes:
        name: the requested name.
        registry_name: the registry the lookup started from.
        candidates: the closest registered names, best first.
    """

    def __init__(self, message: str, *, name: str, registry_name: str, candidates: list[str]) -> None:
        super().__init__(message)
        self.name = name
        self.registry_name = registry_name
        self.candidates = candidates


class AlreadyRegisteredError(PlainMessageKeyError):
    """Raised when a name is registered twice without ``force=True``."""


class MissingTypeError(PlainMessageKeyError):
    """Raised when a config has no ``type`` key and no default supplies one."""


class BuildKeyError(PlainMessageKeyError):
    """A KeyError raised by a constructor, re-raised with what was being built."""


class BuildError(RuntimeError):
    """Raised when a constructor fails with an exception that cannot be re-created.

    Most constructor errors are re-raised as their own type with the type name
    and the config added to the message; this class is the fallback for
    exception types whose constructor takes other arguments.
    """


def close_matches(name: str, names: Iterable[str], limit: int = 3) -> list[str]:
    """The registered names closest to ``name``, best first (case-insensitive)."""
    import difflib

    by_lower: dict[str, str] = {}
    for candidate in names:
        by_lower.setdefault(candidate.lower(), candidate)
    lowered = difflib.get_close_matches(name.lower(), list(by_lower), n=limit, cutoff=0.6)
    prefixed = [c for low, c in by_lower.items() if low.startswith(name.lower()) and low not in lowered]
    return [by_lower[low] for low in lowered] + prefixed[: max(0, limit - len(lowered))]

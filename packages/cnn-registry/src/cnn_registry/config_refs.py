"""``{{_base_.key.path}}`` in a config file: a value taken from the file's merged bases.

As in mmengine, the reference is replaced in the file's text by a unique
placeholder string before the file is parsed (so it may stand unquoted in
JSON or YAML), and the placeholder is replaced by a copy of the base's value
once the bases are loaded; such a reference stands for a whole value. In a
``.py`` config it becomes an expression on the ``_base_`` variable instead.
"""

from __future__ import annotations

import os
import re

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

REFERENCE = re.compile(r"""(['"]?)\{\{\s*_base_\.([\w.]+)\s*\}\}\1""")


class BaseReferences:
    """The references of one file, by placeholder."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.by_placeholder: dict[str, str] = {}
        self.in_python: list[str] = []  # references turned into expressions on `_base_`
        self._token = os.urandom(4).hex()

    def substitute(self, text: str, python: bool = False) -> str:
        """``text`` with each reference replaced by a quoted placeholder.

        In a ``.py`` config (``python=True``) the reference becomes an
        expression on the ``_base_`` variable instead, so ``{{_base_.lr}} * 2``
        computes.
        """

        def replace(match: re.Match[str]) -> str:
            if python:
                self.in_python.append(match.group(2))
                parts = match.group(2).split(".")
                return (
                    "(_base_"
                    + "".join(f"[{int(p)}]" if p.isascii() and p.isdigit() else f"[{p!r}]" for p in parts)
                    + ")"
                )
            placeholder = f"_cnn_base_ref_{len(self.by_placeholder)}_{self._token}_"
            self.by_placeholder[placeholder] = match.group(2)
            return f'"{placeholder}"'

        return REFERENCE.sub(replace, text)

    def resolve(self, content: Any, base: dict[str, Any], has_bases: bool) -> Any:
        """``content`` with each placeholder replaced by the base value it names.

        The value is shared with ``base``; ``load_config`` copies both when it merges them.
        """
        if not self.by_placeholder:
            return content
        self.check_bases(has_bases)
        return self._walk(content, base)

    def check_bases(self, has_bases: bool) -> None:
        """Refuse references in a file without ``_base_``."""
        refs = [*self.by_placeholder.values(), *self.in_python]
        if refs and not has_bases:
            from .config import ConfigError

            raise ConfigError(f"{self.path}: {{{{_base_.{refs[0]}}}}} is used, but the file has no _base_")

    def _walk(self, value: Any, base: dict[str, Any]) -> Any:
        if isinstance(value, str) and value in self.by_placeholder:
            return self._lookup(self.by_placeholder[value], base)
        if isinstance(value, dict):
            return {k: self._walk(v, base) for k, v in value.items()}
        if isinstance(value, list):
            return [self._walk(v, base) for v in value]
        if isinstance(value, tuple) and not hasattr(value, "_fields"):
            return tuple(self._walk(v, base) for v in value)
        return value

    def _lookup(self, key_path: str, base: dict[str, Any]) -> Any:
        from .config import ConfigError

        node: Any = base
        for depth, part in enumerate(key_path.split(".")):
            where = ".".join(["_base_", *key_path.split(".")[:depth]])
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, (list, tuple)) and part.isascii() and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                keys = f"; its keys: {', '.join(map(repr, node))}" if isinstance(node, dict) else ""
                raise ConfigError(
                    f"{self.path}: {{{{_base_.{key_path}}}}} refers to {part!r}, which {where} does not have{keys}"
                )
        return node

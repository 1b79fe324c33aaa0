"""A griffe extension for the docs build: show docstring doctests as code.

Our docstrings carry runnable ``>>>`` examples (the tests run them). Outside an
``Examples:`` section, Markdown would read ``>>>`` as nested block quotes and
``[1, 2]`` in an output line as a link; fencing each doctest block as
``pycon`` renders it as highlighted code instead.
"""

from __future__ import annotations

from typing import Any

import griffe


def fence_doctests(text: str) -> str:
    """Wrap each run of ``>>>``/``...`` lines and their output lines in a ```pycon fence."""
    lines, out, in_block, indent = text.splitlines(), [], False, ""
    for line in lines:
        stripped = line.lstrip()
        if not in_block and stripped.startswith(">>>"):
            indent = line[: len(line) - len(stripped)]
            out.append(f"{indent}```pycon")
            in_block = True
        elif in_block and not stripped:
            out.append(f"{indent}```")
            in_block = False
        out.append(line)
    if in_block:
        out.append(f"{indent}```")
    return "\n".join(out)


class DoctestFences(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None and ">>>" in obj.docstring.value and "```" not in obj.docstring.value:
            obj.docstring.value = fence_doctests(obj.docstring.value)

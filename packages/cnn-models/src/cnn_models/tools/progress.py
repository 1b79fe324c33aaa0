"""``progress_bar``: tqdm when it is installed, else a plain text bar."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO, TypeVar

T = TypeVar("T")


class PlainProgress:
    """A dependency-free progress bar that rewrites one line of ``file``.

    >>> import io
    >>> out = io.StringIO()
    >>> bar = PlainProgress(range(4), total=4, desc='epoch 1', file=out, width=8)
    >>> sum(bar)
    6
    >>> out.getvalue().splitlines()[-1].strip()
    'epoch 1 [########] 4/4'
    """

    def __init__(self, iterable: Iterable[T], total: int, desc: str = "", file: TextIO | None = None, width: int = 30):
        self.iterable = iterable
        self.total = total
        self.desc = desc
        self.file = file if file is not None else sys.stderr
        self.width = width
        self.postfix = ""

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        """Text shown after the counter, e.g. the running loss; drawn at the next step."""
        self.postfix = text

    def _draw(self, done: int) -> None:
        filled = self.width * done // max(self.total, 1)
        bar = "#" * filled + "." * (self.width - filled)
        tail = f" {self.postfix}" if self.postfix else ""
        self.file.write(f"\r{self.desc} [{bar}] {done}/{self.total}{tail}")
        self.file.flush()

    def __iter__(self) -> Iterator[Any]:
        done = 0
        self._draw(done)
        for item in self.iterable:
            yield item
            done += 1
            self._draw(done)
        self.file.write("\n")
        self.file.flush()


def progress_bar(iterable: Iterable[T], total: int, desc: str = "", enabled: bool = True) -> Iterable[T]:
    """Wrap ``iterable`` in a progress bar on stderr: tqdm if installed, else `PlainProgress`.

    With ``enabled=False`` the iterable comes back unwrapped.

    >>> list(progress_bar([1, 2], total=2, enabled=False))
    [1, 2]
    """
    if not enabled:
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return PlainProgress(iterable, total=total, desc=desc)
    return tqdm(iterable, total=total, desc=desc, leave=True, dynamic_ncols=True)

"""``progress_bar``: tqdm on a terminal when it is installed, else a plain text bar; one line per loop in logs."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator
from typing import Any, TextIO, TypeVar

T = TypeVar("T")


class PlainProgress:
    """A dependency-free progress bar that rewrites one line of ``file``.

    With ``live=False`` (output that is not a terminal: a CI log, a file) it writes a
    single line when the loop ends, instead of one ``\\r`` redraw per step.

    >>> import io
    >>> out = io.StringIO()
    >>> bar = PlainProgress(range(4), total=4, desc='epoch 1', file=out, width=8)
    >>> sum(bar)
    6
    >>> out.getvalue().splitlines()[-1].strip()
    'epoch 1 [########] 4/4'
    """

    def __init__(
        self,
        iterable: Iterable[T],
        total: int,
        desc: str = "",
        file: TextIO | None = None,
        width: int = 30,
        live: bool = True,
    ):
        self.iterable = iterable
        self.live = live
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
        start = "\r" if self.live else ""
        self.file.write(f"{start}{self.desc} [{bar}] {done}/{self.total}{tail}")
        self.file.flush()

    def __iter__(self) -> Iterator[Any]:
        done = 0
        if self.live:
            self._draw(done)
        for item in self.iterable:
            yield item
            done += 1
            if self.live:
                self._draw(done)
        if not self.live:
            self._draw(done)
        self.file.write("\n")
        self.file.flush()


def progress_bar(iterable: Iterable[T], total: int, desc: str = "", enabled: bool = True) -> Iterable[T]:
    """Wrap ``iterable`` in a progress bar on stderr: tqdm if installed, else `PlainProgress`.

    On a terminal the bar redraws in place. When stderr is not a terminal (a CI log, output
    piped to a file) each loop writes one finished line, so logs never hold a line of
    thousands of ``\\r`` redraws. With ``enabled=False`` the iterable comes back unwrapped.

    >>> list(progress_bar([1, 2], total=2, enabled=False))
    [1, 2]
    """
    if not enabled:
        return iterable
    if not sys.stderr.isatty():
        return PlainProgress(iterable, total=total, desc=desc, live=False)
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return PlainProgress(iterable, total=total, desc=desc)
    return tqdm(iterable, total=total, desc=desc, leave=True, dynamic_ncols=True)

"""``Config``: mmengine's ``Config`` spelling over `load_config`, `dump_config`, `format_config` and `apply_overrides`.

For code ported from mmengine (``Config.fromfile(path)``, ``cfg.pretty_text``,
``cfg.dump(path)``, ``cfg.merge_from_dict(options)``). It is a `ConfigDict`,
so everything else works as on what `load_config` returns; its four method
names are the price: a key called ``dump`` is reached as ``cfg['dump']``.
New code can call the functions directly.

>>> import os, tempfile
>>> path = os.path.join(tempfile.mkdtemp(), 'r50.py')
>>> with open(path, 'w') as f:
...     _ = f.write("model = dict(type='ResNet', depth=50)\\n")
>>> cfg = Config.fromfile(path)
>>> cfg.merge_from_dict({'model.depth': 101})
>>> print(cfg.pretty_text)
model = dict(type='ResNet', depth=101)
<BLANKLINE>
"""

from __future__ import annotations

import os

from .config import load_config
from .config_dict import ConfigDict

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from typing import Any


class Config(ConfigDict):
    """A `ConfigDict` with mmengine's ``Config`` methods."""

    @classmethod
    def fromfile(cls, filename: str | os.PathLike[str]) -> Config:
        """`load_config` as a ``Config``."""
        return cls(load_config(filename))

    @property
    def pretty_text(self) -> str:
        """The config as the text of a ``.py`` file (`format_config`)."""
        from .config_dump import format_config

        return format_config(self)

    def dump(self, file: str | os.PathLike[str] | None = None) -> str | None:
        """Write the config to ``file`` (`dump_config`); without one, return `pretty_text`."""
        if file is None:
            return self.pretty_text
        from .config_dump import dump_config

        dump_config(self, file)
        return None

    def merge_from_dict(self, options: Mapping[str, Any] | Iterable[str]) -> None:
        """Apply ``{'a.b.0.c': value}`` overrides in place (`apply_overrides`)."""
        from .overrides import apply_overrides

        merged = apply_overrides(self, options)
        self.clear()
        self.update(merged)

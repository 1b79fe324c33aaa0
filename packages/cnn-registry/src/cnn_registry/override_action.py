"""``OverrideAction``: collect ``--cfg-options key.path=value ...`` with argparse."""

from __future__ import annotations

import argparse

from .overrides import OverrideError, parse_override

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import Any


class OverrideAction(argparse.Action):
    """Parse ``key.path=value`` arguments into ``{'key.path': value}``.

    Give it ``nargs='+'``; repeated options accumulate, a later key wins.
    Pass the result to `apply_overrides`. A malformed
    override is reported by argparse as a usage error naming it.

    >>> import argparse
    >>> parser = argparse.ArgumentParser()
    >>> _ = parser.add_argument('--cfg-options', nargs='+', action=OverrideAction, default={})
    >>> parser.parse_args(['--cfg-options', 'model.depth=101', 'model.norm_cfg.type=GN']).cfg_options
    {'model.depth': 101, 'model.norm_cfg.type': 'GN'}
    """

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        collected = dict(getattr(namespace, self.dest, None) or {})
        items = [values] if isinstance(values, str) else list(values or [])
        for item in items:
            try:
                path, value = parse_override(item)
            except OverrideError as exc:
                parser.error(f"{option_string or self.dest}: {exc}")
            collected[".".join(path)] = value
        setattr(namespace, self.dest, collected)

"""Lazy discovery: modules a registry imports the first time a lookup misses.

Two sources, both imported at most once per registry:

* ``locations`` given to `Registry`, e.g.
  ``Registry('conv_layers', locations=['cnn_layers.conv'])``;
* entry points of any installed distribution, in the group ``cnn_registry``,
  whose name is the registry's qualified name ``<scope>.<name>`` and whose
  value is the module to import::

      [project.entry-points.cnn_registry]
      "cnn_layers.plugin_layers" = "cnn_bundles.plugins"

The import registers the types as a side effect, so a type from any installed
package is found without the user importing that package.
"""

from __future__ import annotations

import importlib
import warnings

ENTRY_POINT_GROUP = "cnn_registry"


class Source:
    """One module a registry imports lazily, and where the request came from.

    (A plain class: ``dataclasses`` would import ``inspect`` and double the import time.)
    """

    __slots__ = ("module", "origin")

    def __init__(self, module: str, origin: str) -> None:
        self.module = module
        self.origin = origin  # "locations" or "entry point of <distribution>"

    def __repr__(self) -> str:
        return f"Source({self.module!r}, {self.origin!r})"


def entry_point_sources(qualified_name: str) -> list[Source]:
    """Modules that installed distributions declare for the registry ``qualified_name``."""
    from importlib.metadata import entry_points

    sources = []
    for ep in entry_points(group=ENTRY_POINT_GROUP, name=qualified_name):
        dist = ep.dist.name if ep.dist is not None else "an unknown distribution"
        sources.append(Source(module=ep.value.split(":")[0].strip(), origin=f"entry point of {dist}"))
    return sources


def import_sources(registry_name: str, sources: list[Source]) -> list[str]:
    """Import every source; a failing import warns and is reported, never raised.

    Any exception but ``KeyboardInterrupt`` counts as a failure, ``SystemExit``
    included (a plugin that runs argparse at import time): the remaining
    sources are still imported. Returns one line per failure, for the
    registry's error messages.
    """
    failures = []
    for source in sources:
        try:
            importlib.import_module(source.module)
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # a broken plugin must not break every lookup
            line = f"{source.module} ({source.origin}) failed to import: {type(exc).__name__}: {exc}"
            warnings.warn(f"registry {registry_name!r}: {line}", RuntimeWarning, stacklevel=3)
            failures.append(line)
    return failures

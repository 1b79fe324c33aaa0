"""YAML configs, read safely and at bounded cost.

``yaml.safe_load`` builds no objects but plain data (we add only
``!!python/tuple``, which mmengine's dumps contain), yet two things still
hurt: an alias that refers to its own anchor makes a structure that contains
itself (merging it recurses forever), and nested aliases (an "alias bomb")
expand to exponentially many values. Both are refused with `ConfigError`
before anything is built, after a walk of the document's node graph that
visits each node once.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def load_yaml(path: str, source: str, max_nodes: int) -> Any:
    """Parse ``source`` (the text of ``path``) with PyYAML's safe loader, checking the node graph first."""
    try:
        import yaml
    except ModuleNotFoundError:
        raise ImportError(f"reading {path} needs PyYAML: pip install 'cnn-registry[yaml]'") from None
    loader = _loader_class(yaml)(source)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check(path, node, max_nodes)
        return loader.construct_document(node)
    finally:
        loader.dispose()


_LOADER: Any = None


def _loader_class(yaml: Any) -> Any:
    """PyYAML's safe loader that also reads ``!!python/tuple`` (which mmengine writes) as a tuple."""
    global _LOADER
    if _LOADER is None:

        class TupleSafeLoader(yaml.SafeLoader):
            pass

        def construct_tuple(loader: Any, node: Any) -> tuple[Any, ...]:
            return tuple(loader.construct_sequence(node))

        TupleSafeLoader.add_constructor("tag:yaml.org,2002:python/tuple", construct_tuple)
        _LOADER = TupleSafeLoader
    return _LOADER


def _check(path: str, root: Any, max_nodes: int) -> None:
    """Refuse a node graph with a cycle or that expands to more than ``max_nodes`` values."""
    from .config import ConfigError

    expanded: dict[int, int] = {}  # id(node) -> size once expanded
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            size = 1 + sum(expanded[id(child)] for child in _children(node))
            if size > max_nodes:
                raise ConfigError(
                    f"{path}: the YAML expands to more than {max_nodes} values through aliases (an alias bomb?)"
                )
            expanded[key] = size
            continue
        if key in expanded:
            continue
        if key in on_path:
            raise ConfigError(f"{path}: a YAML alias refers to a node that contains it (a recursive alias)")
        on_path.add(key)
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node) if id(child) not in expanded)


def _children(node: Any) -> list[Any]:
    value = node.value
    if not isinstance(value, list):
        return []  # a scalar
    children: list[Any] = []
    for item in value:
        children.extend(item if isinstance(item, tuple) else (item,))  # mapping items are (key, value) pairs
    return children

"""The ``cnn-zoo`` command (also ``python -m cnn_zoo``).

::

    cnn-zoo list [PATTERN]          a table of catalog names (--arch GLOB, --cached, --json)
    cnn-zoo resolve NAME            the URL or path a catalog name stands for
    cnn-zoo download NAME|URL       fetch into the cache, verified; print the local path
    cnn-zoo verify FILE...          check files against the SHA256 prefix in their names
    cnn-zoo cache list|clear        show or empty the download cache
    cnn-zoo cache remove URL        forget one cached download
    cnn-zoo convert IN OUT          rewrite a checkpoint as .pth or .safetensors, revising keys
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
import shutil
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from .cache_name import cache_path, sha256_prefix
from .catalog import CATALOG_NAMES, load_catalog, resolve, split_scheme
from .catalog_table import catalog_rows, render_table
from .errors import CatalogError, ChecksumError, UnknownCheckpointError
from .home import cache_dir

# torch and requests are imported by the commands that need them (download, verify, convert),
# so that --help, list and resolve start at once.
_CACHE_TAG = "CACHEDIR.TAG"


def _list(args: argparse.Namespace) -> int:
    rows = catalog_rows(args.pattern or "*", arch=args.arch, cached=args.cached)
    print(json.dumps([row.as_dict() for row in rows], indent=1) if args.json else render_table(rows))
    return 0


def _did_you_mean(name: str) -> str:
    """``catalog://name`` references close to a bare ``name``, for an error message."""
    exact = [f"{c}://{name}" for c in CATALOG_NAMES if name in load_catalog(c)]
    if exact:
        return f" Did you mean {' or '.join(exact)}?"
    names = {f"{c}://{n}": n for c in CATALOG_NAMES for n in load_catalog(c)}
    near = difflib.get_close_matches(name, list(names.values()), n=3, cutoff=0.6)
    refs = [ref for ref, n in names.items() if n in near][:3]
    return f" Did you mean {' or '.join(refs)}?" if refs else ""


def _resolve(args: argparse.Namespace) -> int:
    target = resolve(args.name)
    scheme, _ = split_scheme(args.name)
    if not scheme and not Path(target).expanduser().exists():
        hint = _did_you_mean(args.name)
        raise UnknownCheckpointError(
            f"{args.name!r} is neither a catalog reference (scheme://NAME) nor an existing file.{hint}"
        )
    print(target)
    return 0


def _download(args: argparse.Namespace) -> int:
    target = resolve(args.name)
    scheme, _ = split_scheme(target)
    if scheme and scheme not in ("http", "https"):
        print(
            f"cnn-zoo download: error: {args.name} is a {scheme}:// reference; download takes catalog names and "
            f"http(s) URLs ({scheme}:// files are fetched by their loader when loaded)",
            file=sys.stderr,
        )
        return 1
    if not scheme:
        if not Path(target).is_file():
            print(f"{args.name} names the local file {target}, which does not exist", file=sys.stderr)
            return 1
        print(target)
        return 0
    from .download_cache import download

    print(download(target, args.dir, progress=None if args.progress is None else args.progress))
    return 0


def _verify(args: argparse.Namespace) -> int:
    from .download_cache import verify_file

    status = 0
    for file in args.files:
        path = Path(file)
        if not path.is_file():
            print(f"MISSING     {file}")
            status = 1
            continue
        try:
            prefix = verify_file(path)
        except ChecksumError as exc:
            print(f"FAILED      {file}: {exc}")
            status = 1
            continue
        print(f"OK {prefix}  {file}" if prefix else f"UNVERIFIED  {file} (no SHA256 prefix in the name)")
    return status


def _cache_files(root: Path) -> list[Path]:
    """Cached downloads and partial transfers (``.<name>.part``); not the cache's other bookkeeping."""
    return sorted(  # rglob finds nothing under a missing directory or a file
        p
        for p in root.rglob("*")
        if p.is_file() and p.name != _CACHE_TAG and (not p.name.startswith(".") or p.name.endswith(".part"))
    )


def _cache(args: argparse.Namespace) -> int:
    root = Path(args.dir).expanduser() if args.dir else cache_dir()
    if args.action == "list":
        for path in _cache_files(root):
            state = "partial" if path.name.startswith(".") else ("hashed" if sha256_prefix(path.name) else "unverified")
            print(f"{path.stat().st_size:>12}  {state:<10}  {path}")
        return 0
    if args.action == "remove":
        if not args.url:
            raise ValueError("cache remove needs the URL whose cached copy to delete: cnn-zoo cache remove URL")
        folder = cache_path(resolve(args.url), root).parent
        if folder.is_dir():
            shutil.rmtree(folder)
            print(f"removed {folder}")
        else:
            print(f"{args.url} is not in the cache ({folder} does not exist)")
        return 0
    if not root.exists():
        print(f"nothing to remove: {root} does not exist")
        return 0
    from .download_cache import is_cache

    if not is_cache(root):
        raise ValueError(
            f"refusing to delete {str(root)!r}: it is not a cnn-zoo download cache (it has no {_CACHE_TAG} "
            "written by cnn-zoo). Check --dir; delete the directory by hand if you really mean it."
        )
    shutil.rmtree(root)
    print(f"removed {root}")
    return 0


def _convert(args: argparse.Namespace) -> int:
    from .checkpoint import read_checkpoint, revise_state_dict_keys, save_checkpoint, state_dict_from_checkpoint

    checkpoint = read_checkpoint(args.input, trust=args.trust)
    state_dict = state_dict_from_checkpoint(checkpoint, ema=args.ema)
    rules = [tuple(rule) for rule in args.revise] if args.revise else []
    state_dict = revise_state_dict_keys(state_dict, rules, args.prefix)
    meta = checkpoint.get("meta") if isinstance(checkpoint, dict) and isinstance(checkpoint.get("meta"), dict) else None
    out = save_checkpoint(state_dict, args.output, meta=meta)
    print(f"wrote {len(state_dict)} tensors to {out}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``cnn-zoo`` command.

    >>> build_parser().parse_args(['resolve', 'torchvision://resnet50']).name
    'torchvision://resnet50'
    """
    parser = argparse.ArgumentParser(
        prog="cnn-zoo", description="Catalogs of pretrained checkpoints and the download cache of cnn-zoo."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = commands.add_parser(
        "list",
        help="list catalog names",
        description="A table of catalog names: architecture, source host, SHA256 prefix, whether cached.",
    )
    p.add_argument("pattern", nargs="?", help="a glob over 'catalog://name' or the bare name, e.g. 'resnet50*'")
    p.add_argument("--arch", help="only these architectures (a glob, e.g. 'resnet50*')")
    p.add_argument("--cached", action="store_true", help="only names whose file is in the download cache")
    p.add_argument("--json", action="store_true", help="JSON (with each URL) instead of the table")
    p.set_defaults(func=_list)

    p = commands.add_parser("resolve", help="print the URL or path a name stands for")
    p.add_argument("name", help="e.g. open-mmlab://resnet50_v1c or torchvision://resnet50.imagenet1k_v2")
    p.set_defaults(func=_resolve)

    p = commands.add_parser("download", help="download a checkpoint into the cache and print its path")
    p.add_argument("name", help="a catalog name or an http(s) URL")
    p.add_argument("--dir", help="cache directory (default: $CNN_ZOO_HOME/checkpoints)")
    bar = p.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None, help="always show a bar")
    bar.add_argument("--no-progress", dest="progress", action="store_false", help="never show a bar")
    p.set_defaults(func=_download)

    p = commands.add_parser("verify", help="check files against the SHA256 prefix in their names")
    p.add_argument("files", nargs="+", metavar="FILE")
    p.set_defaults(func=_verify)

    p = commands.add_parser(
        "cache",
        help="list, clear or remove from the download cache",
        description="list: every cached file; clear: delete the whole cache (only a directory the cache made); "
        "remove URL: delete one URL's cached copy.",
    )
    p.add_argument("action", choices=["list", "clear", "remove"])
    p.add_argument("url", nargs="?", help="for remove: the URL or catalog name whose cached copy to delete")
    p.add_argument("--dir", help="cache directory (default: $CNN_ZOO_HOME/checkpoints)")
    p.set_defaults(func=_cache)

    p = commands.add_parser(
        "convert",
        help="rewrite a checkpoint as .pth or .safetensors",
        description="Read a checkpoint (any path or scheme) and write its state dict to OUT; "
        "the format follows OUT's extension.",
    )
    p.add_argument("input", metavar="IN")
    p.add_argument("output", metavar="OUT")
    p.add_argument(
        "--revise",
        nargs=2,
        action="append",
        metavar=("PATTERN", "REPLACEMENT"),
        help="rename keys with re.sub(PATTERN, REPLACEMENT, key); repeatable",
    )
    p.add_argument("--prefix", help="keep only the keys under this prefix, stripped (e.g. backbone.)")
    p.add_argument("--ema", action="store_true", help="take the EMA weights")
    p.add_argument("--trust", action="store_true", help="the input is trusted: allow arbitrary pickled objects")
    p.set_defaults(func=_convert)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; errors print one line to stderr and return exit status 1."""
    args = build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", FutureWarning)
            status = int(args.func(args))
        for warning in caught:  # deprecated names: a one-line note, not a warning with a source line
            if issubclass(warning.category, FutureWarning):
                print(f"cnn-zoo {args.command}: note: {warning.message}", file=sys.stderr)
            else:
                warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
        return status
    except (OSError, ValueError, KeyError, TypeError, RuntimeError, ImportError, re.error, CatalogError) as exc:
        message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
        print(f"cnn-zoo {args.command}: error: {' '.join(message.split())}", file=sys.stderr)
        return 1

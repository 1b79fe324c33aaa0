"""Where cnn-zoo keeps user catalogs and downloaded checkpoints, and whether it may use the network."""

from __future__ import annotations

import os
from pathlib import Path

OFFLINE_ENV = "CNN_ZOO_OFFLINE"
HOME_ENV = "CNN_ZOO_HOME"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


_ABSOLUTE: dict[tuple[str, str], Path] = {}


def env_directory(variable: str) -> Path | None:
    """The directory the environment variable ``variable`` names, as an absolute path; None when unset.

    ``~`` is expanded, and a relative value is made absolute against the working
    directory the first time it is read, so a later ``chdir`` does not move it.

    Raises:
        ValueError: the variable names an existing file rather than a directory.

    >>> import os
    >>> os.environ['CNN_ZOO_HOME'] = '/srv/zoo'
    >>> env_directory('CNN_ZOO_HOME').as_posix()
    '/srv/zoo'
    >>> del os.environ['CNN_ZOO_HOME']
    """
    raw = os.environ.get(variable)
    if not raw:
        return None
    path = _ABSOLUTE.get((variable, raw))
    if path is None:
        path = Path(raw).expanduser()
        if not path.is_absolute():
            path = Path.cwd() / path
        _ABSOLUTE[(variable, raw)] = path
    if path.exists() and not path.is_dir():
        raise ValueError(f"${variable}={raw!r} names a file, {str(path)!r}; it must name a directory")
    return path


def zoo_home() -> Path:
    """The cnn-zoo home directory, always absolute.

    ``$CNN_ZOO_HOME``, else ``$XDG_CACHE_HOME/cnn-zoo``, else ``~/.cache/cnn-zoo``.
    It holds the user catalogs (``open-mmlab.json``, ``torchvision.json``) and the
    download cache (``checkpoints/``). It is not created here. A relative value is
    made absolute once (see ``env_directory``).

    >>> import os
    >>> os.environ['CNN_ZOO_HOME'] = '/srv/zoo'
    >>> str(zoo_home())
    '/srv/zoo'
    >>> del os.environ['CNN_ZOO_HOME']
    """
    explicit = env_directory(HOME_ENV)
    if explicit is not None:
        return explicit
    xdg = env_directory("XDG_CACHE_HOME")
    base = xdg if xdg is not None else Path("~/.cache").expanduser()
    return base / "cnn-zoo"


def cache_dir() -> Path:
    """The directory downloaded checkpoints are stored in: ``zoo_home() / 'checkpoints'``.

    >>> cache_dir().name
    'checkpoints'
    """
    return zoo_home() / "checkpoints"


def is_offline() -> bool:
    """Whether ``$CNN_ZOO_OFFLINE`` forbids network access (``1``, ``true``, ``yes``, ``on``).

    >>> import os
    >>> os.environ['CNN_ZOO_OFFLINE'] = '1'
    >>> is_offline()
    True
    >>> del os.environ['CNN_ZOO_OFFLINE']
    """
    value = os.environ.get(OFFLINE_ENV, "").strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(f"${OFFLINE_ENV} must be one of 1/true/yes/on or 0/false/no/off, got {value!r}")

"""Where cnn-zoo keeps user catalogs and downloaded checkpoints, and whether it may use the network."""

from __future__ import annotations

import os
from pathlib import Path

OFFLINE_ENV = "CNN_ZOO_OFFLINE"
HOME_ENV = "CNN_ZOO_HOME"

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def zoo_home() -> Path:
    """The cnn-zoo home directory.

    ``$CNN_ZOO_HOME``, else ``$XDG_CACHE_HOME/cnn-zoo``, else ``~/.cache/cnn-zoo``.
    It holds the user catalogs (``open-mmlab.json``, ``torchvision.json``) and the
    download cache (``checkpoints/``). It is not created here.

    >>> import os
    >>> os.environ['CNN_ZOO_HOME'] = '/srv/zoo'
    >>> str(zoo_home())
    '/srv/zoo'
    >>> del os.environ['CNN_ZOO_HOME']
    """
    explicit = os.environ.get(HOME_ENV)
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg).expanduser() if xdg else Path("~/.cache").expanduser()
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

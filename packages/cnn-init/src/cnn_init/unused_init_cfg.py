"""``UnusedInitCfgWarning``: an ``init_cfg`` that initialises nothing."""

import os
import sys
import warnings


class UnusedInitCfgWarning(UserWarning):
    """Warned when an ``init_cfg`` (or one of its overrides) sets no parameter.

    That is almost always a misspelt ``layer`` name, so it is a warning rather
    than silence. A model whose default cfg lists layers it may lack (e.g.
    ``BatchNorm2d`` in a VGG built without batch norm) is better off building
    the cfg from what it contains; to silence it deliberately:

    >>> import warnings
    >>> from torch import nn
    >>> from cnn_init import initialize
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter('error')  # any other warning would fail this example
    ...     warnings.simplefilter('ignore', UnusedInitCfgWarning)
    ...     initialize(nn.Linear(2, 2), dict(type='Constant', val=1, layer='BatchNorm2d'))
    """


def warn_unused(message: str) -> None:
    """Warn with `UnusedInitCfgWarning`, attributed to the first caller outside cnn_init.

    The warning then points at the user's ``initialize(...)`` or ``init_weights()``
    line, however deep inside this package it was noticed.
    """
    package_dir = os.path.dirname(os.path.abspath(__file__))
    level, frame = 2, sys._getframe(1)  # stacklevel 2 is the frame that called warn_unused
    while frame is not None and os.path.dirname(os.path.abspath(frame.f_code.co_filename)) == package_dir:
        level += 1
        frame = frame.f_back  # type: ignore[assignment]
    warnings.warn(message, UnusedInitCfgWarning, stacklevel=level)

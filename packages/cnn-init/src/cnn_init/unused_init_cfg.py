"""``UnusedInitCfgWarning``: an ``init_cfg`` that initialises nothing."""


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

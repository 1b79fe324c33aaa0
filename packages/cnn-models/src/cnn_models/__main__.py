"""``python -m cnn_models``: the ``cnn`` command."""

import sys

from .cli import main

sys.exit(main())

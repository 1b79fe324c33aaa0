"""``python -m cnn_zoo``: the same as the ``cnn-zoo`` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())

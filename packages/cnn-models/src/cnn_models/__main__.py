"""``python -m cnn_models``: the ``cnn`` command."""

import sys

if __name__ == "__main__":
    from .tools.cli import main

    sys.exit(main())

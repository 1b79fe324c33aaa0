"""Weight initialisation functions, init_cfg-driven initialisation and BaseModule for PyTorch."""

__version__ = "0.1.0"

__all__ = ["__version__"]

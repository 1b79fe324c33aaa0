"""Catalogs of pretrained checkpoints, safe checkpoint loading and a verified download cache."""

__version__ = "0.1.0"

__all__ = ["__version__"]

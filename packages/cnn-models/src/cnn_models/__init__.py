"""Necks, heads, losses and complete image classifiers built from one config, with the cnn command."""

__version__ = "0.1.0"

__all__ = ["__version__"]

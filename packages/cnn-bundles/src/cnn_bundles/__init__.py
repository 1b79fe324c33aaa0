"""ConvModule and other convolution bundles, attention plugins and inference helpers."""

__version__ = "0.1.0"

__all__ = ["__version__"]

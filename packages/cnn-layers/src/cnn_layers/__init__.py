"""Build convolution, normalisation, activation, upsampling, padding and plugin layers from config dicts."""

__version__ = "0.1.0"

__all__ = ["__version__"]

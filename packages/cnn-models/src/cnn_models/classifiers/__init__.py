"""Complete models."""

from .image_classifier import ImageClassifier

__all__ = ["ImageClassifier"]

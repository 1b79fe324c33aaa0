"""Necks: what connects a backbone's feature maps to a head."""

from .gap import GlobalAveragePooling
from .gem import GeneralizedMeanPooling

__all__ = ["GeneralizedMeanPooling", "GlobalAveragePooling"]

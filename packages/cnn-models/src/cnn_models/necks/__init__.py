"""Necks: what connects a backbone's feature maps to a head."""

from .gap import GlobalAveragePooling
from .gem import GeneralizedMeanPooling
from .hr_fuse import HRFuseScales

__all__ = ["GeneralizedMeanPooling", "GlobalAveragePooling", "HRFuseScales"]

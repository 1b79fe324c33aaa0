"""Heads: from a neck's features to class scores, losses and predictions."""

from .cls_head import ClsHead
from .csra_head import CSRAClsHead, CSRAModule
from .linear_head import LinearClsHead
from .multi_label_head import MultiLabelClsHead
from .multi_label_linear_head import MultiLabelLinearClsHead
from .stacked_head import LinearBlock, StackedLinearClsHead

__all__ = [
    "CSRAClsHead",
    "CSRAModule",
    "ClsHead",
    "LinearBlock",
    "LinearClsHead",
    "MultiLabelClsHead",
    "MultiLabelLinearClsHead",
    "StackedLinearClsHead",
]

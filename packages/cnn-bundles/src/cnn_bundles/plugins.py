"""The plugins cnn-bundles adds to ``cnn_layers.PLUGIN_LAYERS``.

This module is the entry point ``cnn_layers.plugin_layers`` of the
distribution, so ``cnn_layers.build_plugin_layer(dict(type='ContextBlock', ...))``
finds these types without anyone importing cnn_bundles. It imports every
module of cnn_bundles, so a new plugin module needs no line here.

>>> from cnn_layers.registry import PLUGIN_LAYERS
>>> sorted(n for n in ('ContextBlock', 'ConvModule', 'GeneralizedAttention', 'NonLocal2d') if n in PLUGIN_LAYERS)
['ContextBlock', 'ConvModule', 'GeneralizedAttention', 'NonLocal2d']
"""

import importlib
import pkgutil

from .context_block import ContextBlock
from .conv_module import ConvModule
from .generalized_attention import GeneralizedAttention
from .non_local import NonLocal1d, NonLocal2d, NonLocal3d, NonLocalNd

__all__ = ["ContextBlock", "ConvModule", "GeneralizedAttention", "NonLocal1d", "NonLocal2d", "NonLocal3d", "NonLocalNd"]

for _module in pkgutil.iter_modules(importlib.import_module("cnn_bundles").__path__):
    importlib.import_module(f"cnn_bundles.{_module.name}")

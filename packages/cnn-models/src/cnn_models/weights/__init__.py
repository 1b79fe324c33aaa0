"""Weight cards: every published checkpoint we know how to load, with its preprocessing and numbers.

>>> from cnn_models.weights import get_weights
>>> card = get_weights('resnet50.tv2_in1k')
>>> card.resize_size, card.crop_size, card.top1
(232, 224, 80.858)
"""

from .card import LAYOUTS, WeightCard, all_weights, get_weights, list_weights, tags_of

__all__ = ["LAYOUTS", "WeightCard", "all_weights", "get_weights", "list_weights", "tags_of"]

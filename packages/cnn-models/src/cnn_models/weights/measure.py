"""Measure each card's parameters and GMACs with our own summary, and write them into ``cards.json``.

Run ``python -m cnn_models.weights.measure`` after adding or changing cards. The
models are built on the meta device, so no weights are allocated or downloaded.
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from .card import WeightCard, all_weights

CARDS_FILE = Path(__file__).with_name("cards.json")


def measure(card: WeightCard) -> tuple[int, float]:
    """``(parameters, GMACs)`` of the model ``card`` loads into, for one ``card.input_size`` image.

    A classifier card counts the whole classifier; a backbone-only card counts the backbone.
    """
    from ..model_factory import ARCHITECTURES, create_model
    from ..tools.summary import summarize

    out_indices = None if card.is_classifier else ARCHITECTURES[card.architecture].backbone.get("out_indices")
    with torch.device("meta"):
        if card.is_classifier:
            model = create_model(card.architecture, num_classes=card.num_classes)
        else:
            model = create_model(card.architecture, out_indices=out_indices or _all_stages(card.architecture))
        summary = summarize(model, card.input_size)
    return summary.total_params, round(summary.total_flops / 2 / 1e9, 3)


def _all_stages(architecture: str) -> tuple[int, ...]:
    from ..model_factory import ARCHITECTURES

    backbone = ARCHITECTURES[architecture].backbone
    return (0, 1, 2, 3, 4) if backbone["type"] == "VGG" else (0, 1, 2, 3)


def main() -> None:
    """Re-measure every card and rewrite ``cards.json``."""
    cards = json.loads(CARDS_FILE.read_text(encoding="utf-8"))
    known = all_weights()
    for item in cards:
        params, gmacs = measure(known[item["name"]])
        item["params"], item["gmacs"] = params, gmacs
        print(f"{item['name']:40s} {params:>12,d} params {gmacs:8.3f} GMACs")
    CARDS_FILE.write_text(json.dumps(cards, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

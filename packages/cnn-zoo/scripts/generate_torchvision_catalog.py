"""Regenerate ``src/cnn_zoo/catalogs/torchvision.json`` from an installed torchvision.

Run it with any Python environment that has torchvision installed (torchvision is
never needed at run time)::

    python packages/cnn-zoo/scripts/generate_torchvision_catalog.py

The catalog holds two kinds of names, as mmcv/mmengine resolve them:

* the legacy ``model_urls`` names of torchvision 0.12 (``resnet50``), read from
  ``legacy_torchvision_names.json`` beside this script;
* one name per weights enum member, ``<model>.<weight>`` in lower case
  (``resnet50.imagenet1k_v2``), plus ``<model>.default``, for every
  classification model that ``torchvision.models.list_models`` lists.
"""

from __future__ import annotations

import json
from pathlib import Path

import torchvision
from torchvision import models

HERE = Path(__file__).resolve().parent
OUT = HERE.parent / "src" / "cnn_zoo" / "catalogs" / "torchvision.json"


def weights_enum_names() -> dict[str, str]:
    """``<weights class minus _Weights>.<member>`` to URL, for every classification model."""
    urls: dict[str, str] = {}
    for model in models.list_models(models):
        weights = models.get_model_weights(model)
        stem = weights.__name__.removesuffix("_Weights").lower()
        urls[f"{stem}.default"] = weights.DEFAULT.url
        for member in weights:
            urls[f"{stem}.{member.name.lower()}"] = member.url
    return urls


def main() -> None:
    legacy = json.loads((HERE / "legacy_torchvision_names.json").read_text())
    catalog = {name: url for name, url in legacy.items() if url}
    catalog.update(weights_enum_names())
    OUT.write_text(json.dumps(dict(sorted(catalog.items())), indent=2) + "\n")
    print(f"wrote {len(catalog)} names from torchvision {torchvision.__version__} to {OUT}")


if __name__ == "__main__":
    main()

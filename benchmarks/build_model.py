"""How long building a ResNet-50 classifier takes, against building torchvision's ``resnet50``.

Both are timed as a user gets them from one call, default initialisation
included: torchvision's ``resnet50()`` (its constructor initialises every
layer), and ``cnn_models.build_model(get_preset('resnet50'))`` (the registries
build backbone, neck and head from the config; every layer gets PyTorch's
default initialisation and the head its own normal init). A third row adds
``init_weights()``, which applies the backbone's ``init_cfg`` (Kaiming convs,
norms set to one) and records the init table, as mmengine's runner does before
training; that is the same work torchvision's constructor does.

Run: ``python benchmarks/build_model.py [--runs 9]`` (needs torchvision; prints a markdown table).
"""

from __future__ import annotations

import argparse

import torch
import torchvision
from torch import nn
from torchvision.models import resnet50

from _interleaved_timing import best_seconds, print_ratio_table
from cnn_models import build_model, get_preset

CFG = get_preset("resnet50")


def torchvision_resnet50() -> nn.Module:
    return resnet50()


def ours_build_model() -> nn.Module:
    return build_model(CFG)


def ours_build_model_init_weights() -> nn.Module:
    model = build_model(CFG)
    model.init_weights()
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=9, help="interleaved runs; the best of each is reported")
    args = parser.parse_args()
    torch.manual_seed(0)
    torch.set_num_threads(1)
    fns = [torchvision_resnet50, ours_build_model, ours_build_model_init_weights]
    names = [
        "torchvision `resnet50()`",
        "`build_model(get_preset('resnet50'))`",
        "`build_model(...)` then `init_weights()`",
    ]
    for fn in fns:  # warm-up: imports, registry look-ups and allocator caches are not what is measured
        fn()
    seconds, cpu_seconds = best_seconds(fns, args.runs)
    print(
        f"ResNet-50 classifier (1000 classes), best of {args.runs} interleaved runs, 1 thread, "
        f"torch {torch.__version__}, torchvision {torchvision.__version__}\n"
    )
    print_ratio_table("build", "torchvision", names, seconds, cpu_seconds)


if __name__ == "__main__":
    main()

"""How long cnn-init takes to initialise a ResNet-50, against plain ``torch.nn.init`` calls.

The model is torchvision's ``resnet50`` (built once, without weights). The peer is
the scheme torchvision applies in its constructor, written as direct
``torch.nn.init`` calls: Kaiming normal (fan_out, ReLU) for every ``Conv2d``,
ones and zeros for every norm layer. Ours applies the same scheme from an
``init_cfg``, first with :func:`cnn_init.initialize`, then through
``BaseModule.init_weights()``, which also records the init table.

Run: ``python benchmarks/init_weights.py`` (needs torchvision; prints a markdown table of wall and CPU times).
"""

from __future__ import annotations

import torch
from torch import nn
from torchvision.models import resnet50

from _interleaved_timing import best_seconds, print_ratio_table
from cnn_init import Sequential, initialize

INIT_CFG = [
    dict(type="Kaiming", layer="Conv2d", mode="fan_out", nonlinearity="relu"),
    dict(type="Constant", val=1, bias=0, layer=["_BatchNorm", "GroupNorm"]),
]
REPEATS = 15


def torch_loop(model: nn.Module) -> None:
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
        elif isinstance(m, (nn.BatchNorm2d, nn.GroupNorm)):
            nn.init.constant_(m.weight, 1)
            nn.init.constant_(m.bias, 0)


def ours_initialize(model: nn.Module) -> None:
    initialize(model, INIT_CFG)


def ours_init_weights(model: nn.Module) -> None:
    Sequential(model, init_cfg=INIT_CFG).init_weights()


def main() -> None:
    torch.manual_seed(0)
    torch.set_num_threads(1)
    model = resnet50()
    params = sum(p.numel() for p in model.parameters())
    names = [
        "torch.nn.init loop (torchvision's scheme)",
        "cnn_init.initialize(model, init_cfg)",
        "BaseModule.init_weights() with init table",
    ]
    fns = [torch_loop, ours_initialize, ours_init_weights]
    seconds, cpu_seconds = best_seconds([lambda fn=fn: fn(model) for fn in fns], REPEATS)
    print(f"ResNet-50 ({params / 1e6:.1f} M parameters), best of {REPEATS} interleaved runs, 1 thread, ", end="")
    print(f"torch {torch.__version__}\n")
    print_ratio_table("initialisation", "torch loop", names, seconds, cpu_seconds)


if __name__ == "__main__":
    main()

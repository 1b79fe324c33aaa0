"""Run by test_ddp.py under torchrun: a tiny ResNet_CIFAR trained with DDP three times in one launch.

First with SyncBN, then without (each rank saves its state after each run), then by the
``cnn train`` command with the config file given (it prints and saves on rank 0 only).
Starting the torch processes is the slow part, so one launch does all three.

Usage: python -m torch.distributed.run --standalone --nproc_per_node 2 ddp_worker.py OUT_DIR CONFIG
"""

import sys

import torch
import torch.distributed as dist

from cnn_models.tools.cli import main
from cnn_models.tools.training import train_classifier

out, config = sys.argv[1], sys.argv[2]
for mode in ("sync", "plain"):
    cfg = dict(
        model=dict(
            backbone=dict(type="ResNet_CIFAR", depth=18, base_channels=4),
            neck=dict(type="GlobalAveragePooling"),
            head=dict(type="LinearClsHead", num_classes=4, in_channels=32),
        ),
        data=dict(type="random", num_samples=48, image_size=8, num_classes=4, batch_size=8, test_fraction=0.25),
        optimizer=dict(type="SGD", lr=0.05, momentum=0.9),
        train=dict(epochs=1, seed=0, sync_bn=mode == "sync"),
    )
    run = train_classifier(cfg, progress=False, log=lambda line: None)
    rank = dist.get_rank()
    norms = sorted({type(m).__name__ for m in run.model.modules() if "BatchNorm" in type(m).__name__})
    state = {k: v.detach().clone() for k, v in run.model.state_dict().items()}
    torch.save({"state": state, "norms": norms, "world_size": dist.get_world_size()}, f"{out}/{mode}-rank{rank}.pt")
sys.exit(main(["train", config, "--out", f"{out}/cli", "--no-progress"]))  # it ends the process group

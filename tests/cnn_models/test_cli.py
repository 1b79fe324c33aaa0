"""The cnn command, run in this process through cnn_models.tools.cli.main."""

from __future__ import annotations

import json

import pytest
import torch

from cnn_models import build_model
from cnn_models.tools.cli import load_model_config, main
from cnn_zoo import load_checkpoint


def test_summary_of_a_config_file_with_overrides(tmp_path, tiny_model_cfg, capsys):
    path = tmp_path / "tiny.json"
    path.write_text(json.dumps({"model": tiny_model_cfg}))
    assert main(["summary", str(path), "--input-shape", "3,8,8", "--cfg-options", "head.num_classes=5"]) == 0
    out = capsys.readouterr().out
    assert "| head | LinearClsHead | 1x5 | 45 |" in out  # 8 * 5 + 5 parameters
    assert "| neck | GlobalAveragePooling | 1x8 |" in out
    assert "built in" in out


def test_summary_of_seed_style_python_config(tmp_path, tiny_model_cfg):
    path = tmp_path / "seed.py"
    path.write_text(f"model_cfg = {tiny_model_cfg!r}\n")
    assert load_model_config(str(path)) == tiny_model_cfg


def test_unknown_config_and_bad_shape(capsys):
    assert main(["summary", "no_such_preset"]) == 2
    assert "'no_such_preset' is neither a preset" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["summary", "resnet50", "--input-shape", "3,x,224"])
    assert "--input-shape must be comma-separated ints" in capsys.readouterr().err


def test_train_writes_a_checkpoint_that_loads(tmp_path, tiny_model_cfg, capsys):
    cfg = dict(
        model={**tiny_model_cfg, "head": {**tiny_model_cfg["head"], "num_classes": 4, "topk": (1,)}},
        data=dict(type="random", num_samples=32, image_size=8, num_classes=4, batch_size=8),
        train=dict(epochs=1),
    )
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps(cfg))
    out = tmp_path / "work"
    assert main(["train", str(path), "--out", str(out), "--no-progress", "--cfg-options", "optimizer.lr=0.01"]) == 0
    assert "test accuracy" in capsys.readouterr().out
    saved = json.loads((out / "config.json").read_text())
    assert saved["optimizer"] == {"lr": 0.01}
    model = build_model(saved["model"])
    checkpoint = load_checkpoint(model, out / "latest.pth", strict=True)
    assert "test_accuracy" in checkpoint["meta"]
    assert torch.isfinite(model(torch.randn(1, 3, 8, 8))).all()

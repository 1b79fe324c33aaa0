"""The cnn command, run in this process through cnn_models.tools.cli.main."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import pytest
import torch

from cnn_models import build_model
from cnn_models.tools.cli import build_parser, load_model_config, main
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


def _run_cnn(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "cnn_models", *args], capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["summary", "resnet50", "--input-shape", "224,224"], "--input-shape is one image's C,H,W"),
        (
            ["summary", "resnet50", "--input-shape", "1,32,32"],
            "ImageClassifier cannot take an input of shape (1, 32, 32)",
        ),
        (["train", "cfg.json", "--device", "cuda"], "asks for CUDA, but"),
        (["train", "nodata.json"], "config has no 'data' section"),
        (["train", "missing.json"], "missing.json"),
    ],
)
def test_user_errors_are_one_line_on_stderr_without_a_traceback(
    tmp_path, tiny_model_cfg, monkeypatch, capsys, args, expected
):
    if "--device" in args and torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    monkeypatch.chdir(tmp_path)
    model = {**tiny_model_cfg, "backbone": dict(type="ResNet_CIFAR", depth=18, base_channels=2)}
    model["head"] = {**model["head"], "in_channels": 16}
    (tmp_path / "cfg.json").write_text(json.dumps({"model": model, "data": {"type": "random"}}))
    (tmp_path / "nodata.json").write_text(json.dumps({"model": model}))
    try:
        status = main(args)
    except SystemExit as exit:  # argparse's own usage errors
        status = exit.code
    stderr = capsys.readouterr().err
    assert status == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and expected in lines[0], stderr


def test_a_user_error_in_a_real_process_is_one_line_and_exit_status_2(tmp_path, monkeypatch):
    """The same as above through ``python -m cnn_models``: what a shell sees, with no traceback."""
    monkeypatch.chdir(tmp_path)
    done = _run_cnn("train", "missing.json")
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "missing.json" in lines[0], done.stderr


def test_deprecation_warnings_become_one_note_line(tmp_path, tiny_model_cfg, capsys):
    from cnn_backbones.registry import BACKBONES

    class OldBackbone(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            warnings.warn("OldBackbone is deprecated; use TinyTestBackbone", FutureWarning, stacklevel=2)
            self.conv = torch.nn.Conv2d(3, 8, 3)

        def forward(self, x):
            return (self.conv(x),)

    path = tmp_path / "old.json"
    path.write_text(json.dumps({"model": {**tiny_model_cfg, "backbone": {"type": "OldBackbone"}}}))
    with BACKBONES.temporary_registrations():
        BACKBONES.register_module(module=OldBackbone)
        assert main(["summary", str(path), "--input-shape", "3,8,8"]) == 0
    err = capsys.readouterr().err
    assert err == "cnn: note: OldBackbone is deprecated; use TinyTestBackbone\n"


def test_train_help_describes_every_option(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    text = capsys.readouterr().out
    parser = build_parser()
    train = parser._subparsers._group_actions[0].choices["train"]
    for action in train._actions:
        assert action.help, f"{action.option_strings or action.dest} has no help"
    for option in (
        "--epochs",
        "--device",
        "--seed",
        "--out",
        "--cfg-options",
        "--no-progress",
        "--channels-last",
        "--compile",
    ):
        assert option in text


def test_train_with_channels_last_and_compile(tmp_path, tiny_model_cfg, capsys):
    cfg = dict(
        model={**tiny_model_cfg, "head": {**tiny_model_cfg["head"], "num_classes": 4, "topk": (1,)}},
        data=dict(type="random", num_samples=24, image_size=8, num_classes=4, batch_size=8),
        train=dict(epochs=1),
    )
    path = tmp_path / "cfg.json"
    path.write_text(json.dumps(cfg))
    torch._dynamo.reset()
    args = ["train", str(path), "--out", str(tmp_path), "--no-progress", "--channels-last", "--compile", "eager"]
    assert main(args) == 0
    assert "test accuracy" in capsys.readouterr().out
    assert main(["train", str(path), "--compile", "no-such-backend", "--no-progress"]) == 2
    assert "is not a torch.compile backend" in capsys.readouterr().err

"""Every `cnn summary` preset builds from its config and runs; the summary totals agree with the model."""

from __future__ import annotations

import pytest
import torch

from cnn_models import build_model
from cnn_models.presets import PRESETS, get_preset
from cnn_models.tools.cli import main
from cnn_models.tools.summary import summarize


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_preset_builds_and_summarises(name):
    model = build_model(get_preset(name))
    summary = summarize(model, (3, 64, 64))
    assert summary.total_params == sum(p.numel() for p in model.parameters())
    assert summary.rows[-1].name == "head" and summary.rows[-1].output_shape == f"1x{model.head.num_classes}"
    assert sum(r.params for r in summary.rows) == summary.total_params
    assert sum(r.flops for r in summary.rows) == summary.total_flops > 0  # every FLOP belongs to a stage
    with torch.no_grad():
        assert model.eval()(torch.zeros(1, 3, 64, 64)).shape == (1, model.head.num_classes)


def test_get_preset_returns_a_copy_and_names_the_choices():
    get_preset("resnet50")["head"]["num_classes"] = 3
    assert get_preset("resnet50")["head"]["num_classes"] == 1000
    with pytest.raises(ValueError, match="unknown preset 'resnet51'; the presets are ghostnet, hrnet_w18"):
        get_preset("resnet51")


def test_cli_summary_of_a_preset(capsys):
    assert main(["summary", "resnet18_cifar", "--input-shape", "3,32,32"]) == 0
    out = capsys.readouterr().out
    assert "| **total** | ImageClassifier | input (3, 32, 32) | 11.17M | 1.11G | 555.42M |" in out
    assert "11,173,962 parameters" in out

"""`cnn demo` end to end at a reduced size: trains, beats chance by far, saves, reloads, predicts the same."""

from __future__ import annotations

import pytest
import torch

from cnn_models import build_model
from cnn_models.tools.cli import main
from cnn_models.tools.demo import CHECKPOINT_NAME, DEMO_CONFIG
from cnn_zoo import load_checkpoint


@pytest.fixture
def one_thread():
    """CI shares two cores between jobs; one thread per process avoids oversubscription."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def test_demo_reduced(tmp_path, capsys, one_thread):
    pytest.importorskip("sklearn")
    argv = ["demo", "--epochs", "3", "--seed", "1", "--out", str(tmp_path), "--no-progress"]
    argv += ["--cfg-options", "data.subset=500", "data.image_size=8", "data.batch_size=32"]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.startswith("training the digits classifier for 3 epochs on cpu: about 57 s on a 2-core CPU")
    accuracy = float(out.split("test accuracy: ")[1].split("%")[0])
    assert accuracy > 70.0  # chance is 10%; the full demo reaches 95%+
    assert "predictions identical on 125 test images (largest score difference 0)" in out
    model = build_model(DEMO_CONFIG["model"])
    checkpoint = load_checkpoint(model, tmp_path / CHECKPOINT_NAME, strict=True)
    assert checkpoint["meta"]["test_accuracy"] == pytest.approx(accuracy, abs=0.01)
    assert checkpoint["meta"]["epochs"] == 3

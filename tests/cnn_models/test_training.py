"""train_classifier, datasets, optimizer building and the progress bar on tiny data in one process."""

from __future__ import annotations

import copy
import io
import subprocess
import sys

import pytest
import torch

from cnn_models.tools.datasets import build_datasets, random_image_tensors
from cnn_models.tools.progress import PlainProgress
from cnn_models.tools.training import build_optimizer, model_config, total_loss, train_classifier


@pytest.fixture
def tiny_train_cfg(tiny_model_cfg):
    cfg = copy.deepcopy(tiny_model_cfg)
    cfg["head"].update(num_classes=4, topk=(1,))
    return dict(
        model=cfg,
        data=dict(type="random", num_samples=96, image_size=8, num_classes=4, batch_size=16),
        optimizer=dict(type="SGD", lr=0.1, momentum=0.9),
        train=dict(epochs=4, seed=3),
    )


def test_training_learns_the_random_classes(tiny_train_cfg):
    before = copy.deepcopy(tiny_train_cfg)
    lines = []
    run = train_classifier(tiny_train_cfg, progress=False, log=lines.append)
    assert tiny_train_cfg == before
    assert len(run.epoch_losses) == 4
    assert run.epoch_losses[-1] < run.epoch_losses[0]
    assert run.test_accuracy > 50.0  # chance is 25%
    assert lines[-1].startswith("test accuracy: ")
    assert run.test_predictions.shape == run.test_labels.shape == (24,)


def test_same_seed_same_weights_other_seed_other_weights(tiny_train_cfg):
    tiny_train_cfg["train"]["epochs"] = 1
    quiet = dict(progress=False, log=lambda line: None)
    a = train_classifier(tiny_train_cfg, **quiet).model.state_dict()
    b = train_classifier(tiny_train_cfg, **quiet).model.state_dict()
    c = train_classifier(tiny_train_cfg, seed=4, **quiet).model.state_dict()
    assert all(torch.equal(a[k], b[k]) for k in a)
    assert not all(torch.equal(a[k], c[k]) for k in a)


def test_config_errors(tiny_train_cfg):
    with pytest.raises(ValueError, match="unknown config section 'trainer'"):
        train_classifier({**tiny_train_cfg, "trainer": {}})
    with pytest.raises(ValueError, match=r"must have a 'model' \(or 'model_cfg'\) section"):
        model_config({"data": {}})
    with pytest.raises(ValueError, match=r"unknown key\(s\) \['epoch'\] in config\['train'\]"):
        train_classifier({**tiny_train_cfg, "train": {"epoch": 3}})
    with pytest.raises(ValueError, match="epochs must be >= 1, got 0"):
        train_classifier(tiny_train_cfg, epochs=0)
    with pytest.raises(ValueError, match="optimizer.type must name a torch.optim optimizer .* got 'Sgd'"):
        build_optimizer([torch.zeros(1, requires_grad=True)], dict(type="Sgd", lr=0.1))
    with pytest.raises(ValueError, match="no entry named '\\*loss\\*'"):
        total_loss({"accuracy": {"top-1": torch.tensor(1.0)}})


def test_seed_004_model_cfg_key_is_accepted(tiny_model_cfg):
    assert model_config({"model_cfg": tiny_model_cfg}) == tiny_model_cfg


def test_datasets_split_and_validate():
    train, test = build_datasets(dict(type="random", num_samples=20, test_fraction=0.5, subset=10))
    assert (len(train), len(test)) == (5, 5)
    images, labels = random_image_tensors(num_samples=8, image_size=8, num_classes=4, seed=1)
    means = images.mean(dim=(2, 3))  # each image's channel means sit near its class centre
    centres = torch.stack([means[labels == k].mean(dim=0) for k in labels.unique()])
    nearest = torch.cdist(means, centres).argmin(dim=1)
    assert torch.equal(labels.unique()[nearest], labels)
    with pytest.raises(ValueError, match=r"data.type must be one of \('digits', 'random'\), got 'mnist'"):
        build_datasets(dict(type="mnist"))
    with pytest.raises(ValueError, match=r"data.test_fraction must be a number in \(0, 1\), got 1.5"):
        build_datasets(dict(type="random", test_fraction=1.5))
    with pytest.raises(TypeError, match="data must be a config dict"):
        build_datasets("digits")


def test_digits_are_upsampled_and_standardised():
    pytest.importorskip("sklearn")
    from cnn_models.tools.datasets import load_digits_tensors

    images, labels = load_digits_tensors(image_size=12)
    assert images.shape == (1797, 1, 12, 12)
    assert labels[:10].tolist() == list(range(10))
    assert abs(images.mean().item()) < 1e-4 and abs(images.std().item() - 1) < 1e-4


def test_plain_progress_draws_a_bar_with_postfix():
    out = io.StringIO()
    bar = PlainProgress(range(3), total=3, desc="epoch", file=out, width=6)
    for _ in bar:
        bar.set_postfix_str("loss 0.5")
    assert out.getvalue().rstrip().endswith("epoch [######] 3/3 loss 0.5")


def test_channels_last_and_compile_train_for_real(tiny_train_cfg):
    from torch._dynamo.utils import counters

    torch._dynamo.reset()
    counters.clear()
    cfg = {**tiny_train_cfg, "train": {"epochs": 1, "seed": 0}}
    run = train_classifier(cfg, progress=False, log=lambda line: None, channels_last=True, compile="eager")
    conv = run.model.backbone.stages[0][0].weight
    assert conv.is_contiguous(memory_format=torch.channels_last) and not conv.is_contiguous()
    assert counters["stats"]["unique_graphs"] >= 1  # the training step went through torch.compile
    eager = train_classifier(cfg, progress=False, log=lambda line: None)
    assert run.epoch_losses == pytest.approx(eager.epoch_losses, rel=1e-4)  # the same computation


def test_bad_compile_and_device_arguments(tiny_train_cfg):
    with pytest.raises(ValueError, match="compile='nope' is not a torch.compile backend"):
        train_classifier(tiny_train_cfg, compile="nope")
    with pytest.raises(TypeError, match="compile must be True, False or a torch.compile backend name"):
        train_classifier(tiny_train_cfg, compile=3)
    with pytest.raises(ValueError, match="device='gpu' is not a torch device"):
        train_classifier(tiny_train_cfg, device="gpu")
    with pytest.raises(ValueError, match="config has no 'data' section"):
        train_classifier({"model": tiny_train_cfg["model"]})


def test_progress_in_a_log_is_one_line_per_loop_not_a_redraw_per_step():
    """stderr piped to a file, as in CI: no carriage returns, one finished line."""
    script = (
        "from cnn_models.tools.progress import progress_bar\n"
        "for _ in progress_bar(range(50), total=50, desc='epoch 1'):\n"
        "    pass\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120)  # bytes: \r kept
    assert result.returncode == 0, result.stderr
    assert result.stderr == b"epoch 1 [##############################] 50/50\n"

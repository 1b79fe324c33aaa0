"""Agreement with timm and torchvision, which run only in the peer session."""

import math

import pytest
import torch
from torch import nn

from cnn_init import initialize, trunc_normal_init


def _truncated_moments(mean, std, a, b):
    """Mean and standard deviation of N(mean, std^2) truncated to [a, b] (textbook formulas)."""
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))  # noqa: E731
    z = cdf(beta) - cdf(alpha)
    shift = (pdf(alpha) - pdf(beta)) / z
    return mean + std * shift, std * math.sqrt(1 + (alpha * pdf(alpha) - beta * pdf(beta)) / z - shift**2)


@pytest.mark.peer
@pytest.mark.parametrize(("mean", "std", "a", "b"), [(0, 0.02, -2, 2), (0.5, 1, -1, 1.5), (0, 1, -0.5, 2)])
def test_trunc_normal_distribution_matches_timm(mean, std, a, b):
    timm_layers = pytest.importorskip("timm.layers")
    torch.manual_seed(7)
    ours = nn.Linear(500, 400)
    trunc_normal_init(ours, mean=mean, std=std, a=a, b=b)
    theirs = timm_layers.trunc_normal_(torch.empty(400, 500), mean=mean, std=std, a=a, b=b)
    expected_mean, expected_std = _truncated_moments(mean, std, a, b)
    for w in (ours.weight, theirs):
        assert w.min().item() >= a and w.max().item() <= b
        assert w.mean().item() == pytest.approx(expected_mean, abs=0.01 * std)
        assert w.std().item() == pytest.approx(expected_std, rel=0.01)


@pytest.mark.peer
def test_resnet_scheme_statistics_match_torchvision():
    models = pytest.importorskip("torchvision.models")
    torch.manual_seed(0)
    tv = models.resnet18()
    ours = models.resnet18()
    # torchvision's constructor already applied this scheme: wipe it, so only `initialize` can restore it.
    with torch.no_grad():
        for param in ours.parameters():
            param.fill_(0.5)
    torch.manual_seed(1)
    initialize(ours, [dict(type="Kaiming", layer="Conv2d"), dict(type="Constant", val=1, layer="_BatchNorm")])
    for (name, a), (_, b) in zip(tv.named_modules(), ours.named_modules(), strict=True):
        if isinstance(a, nn.Conv2d) and a.weight.numel() >= 32768:
            fan_out = a.out_channels * a.kernel_size[0] * a.kernel_size[1]
            expected = math.sqrt(2 / fan_out)
            assert a.weight.std().item() == pytest.approx(expected, rel=0.03), name
            assert b.weight.std().item() == pytest.approx(expected, rel=0.03), name
        elif isinstance(a, nn.BatchNorm2d):
            assert torch.equal(a.weight, b.weight) and torch.equal(a.bias, b.bias), name


@pytest.mark.peer
def test_plain_child_marked_is_init_is_skipped_as_in_mmengine():
    mmengine_model = pytest.importorskip("mmengine.model")
    from cnn_init import BaseModule

    class Legacy(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 2)
            self.calls = 0

        def init_weights(self):
            self.calls += 1

    def run(base):
        class Model(base):
            def __init__(self):
                super().__init__()
                self.marked, self.unmarked = Legacy(), Legacy()

        model = Model()
        model.marked.is_init = True
        model.init_weights()
        return model.marked.calls, model.unmarked.calls

    assert run(BaseModule) == run(mmengine_model.BaseModule) == (0, 1)

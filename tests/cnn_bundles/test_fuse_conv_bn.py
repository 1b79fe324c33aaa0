"""fuse_conv_bn: folds exactly the BatchNorms that consume a conv's output, nothing else."""

from __future__ import annotations

import copy
import itertools

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from cnn_bundles import ConvModule, GhostBottleneck, folded_weight_and_bias, fuse_conv_bn

ORDERS = list(itertools.permutations(("conv", "norm", "act")))


def count(model: nn.Module, cls: type) -> int:
    return sum(isinstance(m, cls) for m in model.modules())


def check_equivalent(model: nn.Module, x: torch.Tensor, random_bn) -> nn.Module:
    """Fuse a copy of ``model`` (random BN statistics, eval mode) and check outputs within 1e-5."""
    model = random_bn(model).eval()
    with torch.no_grad():
        expected = model(x)
        fused = fuse_conv_bn(copy.deepcopy(model))
        actual = fused(x)
    assert torch.allclose(actual, expected, atol=1e-5, rtol=1e-5), (actual - expected).abs().max()
    return fused


def test_conv_bn_relu_is_folded(random_bn) -> None:
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8), nn.ReLU())
    fused = check_equivalent(model, torch.randn(2, 3, 6, 6), random_bn)
    assert [type(m) for m in fused] == [nn.Conv2d, nn.Identity, nn.ReLU]
    assert fused[0].bias is not None and fused[0].bias.requires_grad
    assert list(fused.state_dict()) == ["0.weight", "0.bias"]


def test_conv_act_bn_is_not_folded(random_bn) -> None:
    """mmcv folds this BN into the conv (it follows the conv in registration order) and changes the output."""
    model = nn.Sequential(nn.Conv2d(3, 8, 3), nn.ReLU(), nn.BatchNorm2d(8))
    fused = check_equivalent(model, torch.randn(2, 3, 6, 6), random_bn)
    assert [type(m) for m in fused] == [nn.Conv2d, nn.ReLU, nn.BatchNorm2d]


def test_bn_before_conv_is_not_folded(random_bn) -> None:
    model = nn.Sequential(nn.BatchNorm2d(3), nn.Conv2d(3, 8, 3), nn.ReLU())
    fused = check_equivalent(model, torch.randn(2, 3, 6, 6), random_bn)
    assert count(fused, nn.BatchNorm2d) == 1


class Branching(nn.Module):
    """The conv's output feeds the BN and a second branch: folding would change the second branch."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.conv(x)
        return self.bn(y) + y


def test_conv_output_used_twice_is_not_folded(random_bn) -> None:
    fused = check_equivalent(Branching(), torch.randn(2, 4, 5, 5), random_bn)
    assert isinstance(fused.bn, nn.BatchNorm2d)


class SharedConv(nn.Module):
    """One conv called twice, once before a BN: folding would change the other call."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.conv(x)) + self.conv(x * 2)


def test_conv_called_twice_is_not_folded(random_bn) -> None:
    fused = check_equivalent(SharedConv(), torch.randn(2, 4, 5, 5), random_bn)
    assert isinstance(fused.bn, nn.BatchNorm2d)


def test_module_registered_twice_is_not_folded(random_bn) -> None:
    conv, bn = nn.Conv2d(4, 4, 1), nn.BatchNorm2d(4)
    model = nn.Sequential(nn.Sequential(conv, bn), nn.ReLU())
    model.alias = conv  # the same conv under another name
    fused = check_equivalent(model, torch.randn(1, 4, 3, 3), random_bn)
    assert isinstance(fused[0][1], nn.BatchNorm2d)


@pytest.mark.parametrize("order", ORDERS)
def test_conv_module_is_folded_only_when_the_norm_follows_the_conv(order: tuple[str, str, str], random_bn) -> None:
    model = nn.Sequential(ConvModule(4, 4, 3, padding=1, norm_cfg=dict(type="BN"), order=order))
    fused = check_equivalent(model, torch.randn(2, 4, 5, 5), random_bn)
    folded = order.index("norm") == order.index("conv") + 1
    assert isinstance(fused[0].bn, nn.Identity) is folded


def test_conv_module_with_efficient_conv_bn_eval_is_folded(random_bn) -> None:
    model = ConvModule(4, 8, 3, padding=1, norm_cfg=dict(type="BN"), efficient_conv_bn_eval=True)
    fused = check_equivalent(model, torch.randn(2, 4, 5, 5), random_bn)
    assert isinstance(fused.bn, nn.Identity) and fused.efficient_conv_bn_eval is False
    model = random_bn(ConvModule(4, 8, 3, norm_cfg=dict(type="GN", num_groups=2), efficient_conv_bn_eval=True))
    assert isinstance(fuse_conv_bn(model).gn, nn.GroupNorm)


def test_conv_module_forward_with_defaults_is_traced(random_bn) -> None:
    fused = check_equivalent(ConvModule(3, 8, 1, norm_cfg=dict(type="BN")), torch.randn(1, 3, 4, 4), random_bn)
    assert isinstance(fused.bn, nn.Identity)


class DataDependent(nn.Module):
    """Cannot be traced: control flow on a tensor's value."""

    def __init__(self) -> None:
        super().__init__()
        self.block = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), nn.ReLU())
        self.conv = nn.Conv2d(4, 4, 1)
        self.bn = nn.BatchNorm2d(4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.block(x)
        if x.sum() > 0:
            x = self.bn(self.conv(x))
        return x


def test_untraceable_model_folds_inside_traceable_children_only(random_bn) -> None:
    fused = check_equivalent(DataDependent(), torch.randn(1, 3, 6, 6), random_bn)
    assert isinstance(fused.block[1], nn.Identity)  # inside a traceable child
    assert isinstance(fused.bn, nn.BatchNorm2d)  # called from the untraceable forward: left alone


class StandardisedConv(nn.Conv2d):
    """Weight standardisation: scaling the stored weight does not scale the output."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.weight
        w = (w - w.mean(dim=(1, 2, 3), keepdim=True)) / (w.std(dim=(1, 2, 3), keepdim=True) + 1e-5)
        return F.conv2d(x, w, self.bias, self.stride, self.padding)


@pytest.mark.parametrize(
    "model",
    [
        nn.Sequential(StandardisedConv(3, 4, 3), nn.BatchNorm2d(4)),
        nn.Sequential(nn.utils.spectral_norm(nn.Conv2d(3, 4, 3)), nn.BatchNorm2d(4)),
        nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4, track_running_stats=False)),
        nn.Sequential(nn.ConvTranspose2d(3, 4, 3), nn.BatchNorm2d(4)),
    ],
    ids=["weight-standardised", "spectral-norm", "no-running-stats", "transposed"],
)
def test_convs_that_cannot_absorb_a_scale_are_left_alone(model: nn.Module, random_bn) -> None:
    before = count(model, nn.BatchNorm2d)
    fused = check_equivalent(model, torch.randn(2, 3, 6, 6), random_bn)
    assert count(fused, nn.BatchNorm2d) == before


@pytest.mark.parametrize(
    ("conv", "bn", "shape"),
    [(nn.Conv1d(3, 4, 3), nn.BatchNorm1d(4), (2, 3, 8)), (nn.Conv3d(3, 4, 3), nn.BatchNorm3d(4), (1, 3, 4, 4, 4))],
)
def test_1d_and_3d(conv: nn.Module, bn: nn.Module, shape: tuple[int, ...], random_bn) -> None:
    fused = check_equivalent(nn.Sequential(conv, bn), torch.randn(shape), random_bn)
    assert isinstance(fused[1], nn.Identity)


def test_bn_without_affine_and_conv_with_bias(random_bn) -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 3, bias=True), nn.BatchNorm2d(4, affine=False))
    fused = check_equivalent(model, torch.randn(2, 3, 5, 5), random_bn)
    assert isinstance(fused[1], nn.Identity)


def test_ghost_bottleneck_every_conv_bn_is_folded(random_bn) -> None:
    block = GhostBottleneck(8, 16, 12, stride=2, se_ratio=0.25)
    fused = check_equivalent(block, torch.randn(2, 8, 8, 8), random_bn)
    assert count(block, nn.BatchNorm2d) == 7 and count(fused, nn.BatchNorm2d) == 0


def test_returns_the_same_model_modified_in_place() -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 1), nn.BatchNorm2d(4)).eval()
    assert fuse_conv_bn(model) is model and isinstance(model[1], nn.Identity)


def test_rejects_a_non_module() -> None:
    with pytest.raises(TypeError, match="model must be an nn.Module, got dict"):
        fuse_conv_bn({"conv": nn.Conv2d(3, 4, 1)})  # type: ignore[arg-type]


class Untraceable(nn.Module):
    """No BatchNorm inside, data-dependent control flow."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv(x) if x.mean() > 0 else -x


def test_untraceable_submodule_without_batchnorm_does_not_block_folding(random_bn) -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4), Untraceable(), nn.Conv2d(4, 4, 1), nn.BatchNorm2d(4))
    fused = check_equivalent(model, torch.randn(1, 3, 6, 6), random_bn)
    assert count(fused, nn.BatchNorm2d) == 0


def test_bn_after_an_opaque_submodule_is_not_folded(random_bn) -> None:
    model = nn.Sequential(nn.Conv2d(3, 4, 3), Untraceable(), nn.BatchNorm2d(4))
    fused = check_equivalent(model, torch.randn(1, 3, 6, 6), random_bn)
    assert count(fused, nn.BatchNorm2d) == 1


def test_a_batchnorm_without_running_statistics_cannot_be_folded() -> None:
    bn = nn.BatchNorm2d(4, track_running_stats=False)
    with pytest.raises(ValueError, match=r"BatchNorm2d has no running statistics \(track_running_stats=False\)"):
        folded_weight_and_bias(nn.Conv2d(3, 4, 1), bn)

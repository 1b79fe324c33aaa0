"""Weight cards against their publishers' own models: the keys map, the outputs agree, the facts match.

Runs in the peer session (torchvision, mmengine and mmpretrain installed). Each test builds the
publisher's model from its own definition (torchvision's constructor, mmpretrain's config; nothing is
downloaded), gives its batch norms random statistics so a miswired norm cannot hide, saves its
state_dict, loads that file with ``create_model(arch, pretrained=path)`` (every key checked) and
compares the outputs. The smallest model of each family keeps it quick.
"""

from __future__ import annotations

import pytest
import torch

from cnn_models import create_model, get_weights
from cnn_models.model_factory import ARCHITECTURES, to_classifier_keys

pytestmark = pytest.mark.peer

X = torch.rand(1, 3, 64, 64, generator=torch.Generator().manual_seed(0))


def _randomize_norms(model: torch.nn.Module) -> torch.nn.Module:
    generator = torch.Generator().manual_seed(1)
    for module in model.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            shape = module.running_mean.shape
            module.running_mean.copy_(torch.randn(shape, generator=generator) * 0.1)
            module.running_var.copy_(torch.rand(shape, generator=generator) + 0.5)
            module.weight.data.copy_(torch.rand(shape, generator=generator) + 0.5)
            module.bias.data.copy_(torch.randn(shape, generator=generator) * 0.1)
    return model.eval()


def _outputs_agree(arch: str, theirs: torch.nn.Module, tmp_path) -> None:
    path = tmp_path / f"{arch}.pth"
    torch.save(_randomize_norms(theirs).state_dict(), path)
    ours = create_model(arch, pretrained=str(path)).eval()
    with torch.no_grad():
        torch.testing.assert_close(ours(X), theirs(X), rtol=1e-4, atol=1e-5)


# (our architecture, mmpretrain's model name): the smallest of each family whose card we publish
MMPRETRAIN = [
    ("res2net50_w14_s8", "res2net50-w14-s8_3rdparty_8xb32_in1k"),
    ("regnetx_400mf", "regnetx-400mf_8xb128_in1k"),
    ("hrnet_w18", "hrnet-w18_3rdparty_8xb32_in1k"),
]


@pytest.mark.parametrize(("arch", "name"), MMPRETRAIN, ids=[a for a, _ in MMPRETRAIN])
def test_mmpretrain_classifiers_load_and_agree(arch, name, tmp_path):
    mmpretrain = pytest.importorskip("mmpretrain")
    _outputs_agree(arch, mmpretrain.get_model(name, pretrained=False), tmp_path)


# every mmcls_in1k card added for mmpretrain's metafiles: (card, mmpretrain's model name)
MMPRETRAIN_CARDS = [
    ("res2net50_w14_s8.mmcls_in1k", "res2net50-w14-s8_3rdparty_8xb32_in1k"),
    ("res2net50_w26_s8.mmcls_in1k", "res2net50-w26-s8_3rdparty_8xb32_in1k"),
    ("res2net101_w26_s4.mmcls_in1k", "res2net101-w26-s4_3rdparty_8xb32_in1k"),
    *[(f"regnetx_{size}.mmcls_in1k", f"regnetx-{size}_8xb128_in1k") for size in ("400mf", "800mf", "1.6gf")],
    *[(f"regnetx_{size}.mmcls_in1k", f"regnetx-{size}_8xb64_in1k") for size in ("3.2gf", "4.0gf", "6.4gf", "8.0gf")],
    ("regnetx_12gf.mmcls_in1k", "regnetx-12gf_8xb64_in1k"),
    *[(f"hrnet_w{w}.mmcls_in1k", f"hrnet-w{w}_3rdparty_8xb32_in1k") for w in (18, 30, 32, 40, 44, 48, 64)],
]


@pytest.mark.parametrize(("card_name", "name"), MMPRETRAIN_CARDS, ids=[c for c, _ in MMPRETRAIN_CARDS])
def test_mmpretrain_cards_carry_the_metafile_facts(card_name, name):
    hub = pytest.importorskip("mmpretrain.apis").ModelHub
    card, meta = get_weights(card_name), hub.get(name)
    assert card.url == meta.weights
    metrics = meta.results[0].metrics
    assert (card.top1, card.top5) == (metrics["Top 1 Accuracy"], metrics["Top 5 Accuracy"])
    preprocessor = meta.config.data_preprocessor
    assert card.mean == tuple(preprocessor["mean"]) and card.std == tuple(preprocessor["std"])
    # mmpretrain reads images as BGR and turns them to RGB only with to_rgb=True
    assert card.channel_order == ("RGB" if preprocessor.get("to_rgb", False) else "BGR")
    pipeline = meta.config.test_dataloader.dataset.pipeline
    resize, crop = [step for step in pipeline if step["type"] not in ("LoadImageFromFile", "PackInputs")]
    assert (resize["type"], resize["edge"], resize["scale"]) == ("ResizeEdge", "short", card.resize_size)
    assert (crop["type"], crop["crop_size"]) == ("CenterCrop", card.crop_size)
    model = meta.config.model
    assert card.num_classes == model["head"]["num_classes"]


TORCHVISION = ["wide_resnet50_2", "regnet_x_400mf"]


@pytest.mark.parametrize("arch", TORCHVISION)
def test_torchvision_classifiers_load_and_agree(arch, tmp_path):
    models = pytest.importorskip("torchvision.models")
    torch.manual_seed(0)
    _outputs_agree(arch, getattr(models, arch)(), tmp_path)


TORCHVISION_CARDS = [
    ("wide_resnet50_2.tv_in1k", "Wide_ResNet50_2_Weights.IMAGENET1K_V1"),
    ("wide_resnet50_2.tv2_in1k", "Wide_ResNet50_2_Weights.IMAGENET1K_V2"),
    ("wide_resnet101_2.tv_in1k", "Wide_ResNet101_2_Weights.IMAGENET1K_V1"),
    ("wide_resnet101_2.tv2_in1k", "Wide_ResNet101_2_Weights.IMAGENET1K_V2"),
    *[
        (f"regnet_x_{size}.{tag}", f"RegNet_X_{size.upper()}_Weights.IMAGENET1K_{version}")
        for size in ("400mf", "800mf", "1_6gf", "3_2gf", "8gf", "16gf", "32gf")
        for tag, version in (("tv_in1k", "V1"), ("tv2_in1k", "V2"))
    ],
]


@pytest.mark.parametrize(("card_name", "enum"), TORCHVISION_CARDS, ids=[c for c, _ in TORCHVISION_CARDS])
def test_torchvision_cards_carry_the_enum_facts(card_name, enum):
    models = pytest.importorskip("torchvision.models")
    enum_class, member = enum.split(".")
    weights = getattr(getattr(models, enum_class), member)
    card = get_weights(card_name)
    assert card.url == weights.url
    metrics = weights.meta["_metrics"]["ImageNet-1K"]
    assert (card.top1, card.top5) == (metrics["acc@1"], metrics["acc@5"])
    assert card.params == weights.meta["num_params"]
    assert card.gmacs == weights.meta["_ops"]  # torchvision's GFLOPS count multiply-adds, as our GMACs
    transforms = weights.transforms()
    assert (card.resize_size, card.crop_size) == (transforms.resize_size[0], transforms.crop_size[0])
    assert card.interpolation == transforms.interpolation.value
    assert (card.mean, card.std) == (tuple(transforms.mean), tuple(transforms.std))


@pytest.mark.parametrize("arch", [name for name in ARCHITECTURES if name.startswith("regnet_x_")])
def test_every_torchvision_regnet_maps_key_for_key(arch):
    """The stage table and the key renames against torchvision's own network of each size."""
    models = pytest.importorskip("torchvision.models")
    theirs = getattr(models, arch)().state_dict()  # its stage rule needs real tensors; under a second even at 32GF
    with torch.device("meta"):
        ours = create_model(arch).state_dict()
    mapped = to_classifier_keys(theirs, "torchvision", ARCHITECTURES[arch])
    assert {k: tuple(v.shape) for k, v in mapped.items()} == {k: tuple(v.shape) for k, v in ours.items()}

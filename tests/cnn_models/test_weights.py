"""Weight cards: every tag complete, consistent with the shipped catalogs, its numbers re-measurable."""

from __future__ import annotations

import dataclasses

import pytest

from cnn_models.model_factory import ARCHITECTURES
from cnn_models.weights import LAYOUTS, all_weights, get_weights, list_weights, tags_of
from cnn_models.weights.measure import measure
from cnn_zoo import resolve, sha256_prefix
from cnn_zoo.catalog import CATALOG_NAMES, load_catalog, split_scheme

CARDS = list(all_weights().values())


@pytest.fixture(autouse=True)
def shipped_catalogs_only(tmp_path, monkeypatch):
    """Resolve names against the catalogs cnn-zoo ships, not a user's."""
    monkeypatch.setenv("CNN_ZOO_HOME", str(tmp_path / "zoo"))
    monkeypatch.delenv("MMCV_HOME", raising=False)


@pytest.mark.parametrize("card", CARDS, ids=[c.name for c in CARDS])
def test_every_card_is_complete(card):
    assert card.name == f"{card.architecture}.{card.tag}"
    assert card.architecture in ARCHITECTURES
    assert card.layout in LAYOUTS
    assert resolve(card.checkpoint) == card.url
    if split_scheme(card.checkpoint)[0] in ("http", "https"):  # a URL no catalog names is its own checkpoint
        assert card.checkpoint == card.url
    assert card.sha256 == sha256_prefix(card.url.rsplit("/", 1)[1])
    assert len(card.sha256) >= 8
    assert card.input_size == (3, 224, 224)
    assert card.interpolation == "bilinear"
    assert card.channel_order in ("RGB", "BGR")
    assert len(card.mean) == len(card.std) == 3
    # mean/std on the scale they claim: torchvision's are fractions, OpenMMLab's and Caffe's pixel values
    assert all(0 < m < card.pixel_range for m in card.mean)
    assert card.params > 1_000_000 and card.gmacs > 0.1
    assert card.license and card.publisher and card.preprocessing_source.startswith("https://")
    if card.is_classifier:
        assert card.num_classes == 1000
        assert card.resize_size in (232, 256) and card.crop_size == 224
        assert 60 < card.top1 < card.top5 < 100
        assert card.metrics_source.startswith("https://")
    else:
        assert card.num_classes is None and card.top1 is None and card.top5 is None
        assert card.resize_size is None and card.crop_size is None


def test_caffe_and_pycls_weights_take_bgr():
    bgr = {card.name for card in CARDS if card.channel_order == "BGR"}
    assert {"resnet50_caffe.detectron2", "resnet101_caffe.detectron", "regnetx_3.2gf.pycls"} <= bgr
    # backbone-only: the Caffe-trained ResNets and pycls's RegNetX; classifiers: mmcls's RegNetX alone, trained
    # on BGR input as pycls's checkpoints are (mmpretrain's configs say to_rgb=False)
    assert {card.tag for card in CARDS if card.name in bgr and not card.is_classifier} == {
        "detectron",
        "detectron2",
        "pycls",
    }
    bgr_classifiers = {card.name for card in CARDS if card.name in bgr and card.is_classifier}
    assert bgr_classifiers == set(list_weights("regnetx_*.mmcls_in1k")) and len(bgr_classifiers) == 8
    assert get_weights("resnet50_caffe.detectron2").mean == (103.53, 116.28, 123.675)
    regnet = get_weights("regnetx_400mf.mmcls_in1k")
    assert (regnet.mean, regnet.std) == ((103.53, 116.28, 123.675), (57.375, 57.12, 58.395))
    assert (regnet.resize_size, regnet.crop_size, regnet.pixel_range) == (256, 224, 255.0)


def test_a_checkpoint_is_named_by_url_only_when_no_shipped_catalog_holds_it():
    cataloged = {url for catalog in CATALOG_NAMES for url in load_catalog(catalog).values()}
    by_url = [card for card in CARDS if card.checkpoint == card.url]
    assert {card.architecture.split("_")[0] for card in by_url} == {"regnetx", "hrnet"}
    assert not [card.name for card in by_url if card.url in cataloged]


def test_the_catalogs_are_covered():
    architectures = {card.architecture for card in CARDS}
    expected = {
        "resnet50",
        "resnet50_v1c",
        "resnet50_v1d",
        "resnet50_caffe",
        "resnext50_32x4d",
        "res2net101_v1d_26w_4s",
        "res2net50_w14_s8",
        "res2net101_w26_s4",
        "wide_resnet50_2",
        "wide_resnet101_2",
        "regnet_x_400mf",
        "regnet_x_32gf",
    }
    assert expected | {"regnetx_3.2gf", "hrnet_w32", "hrnet_w64", "vgg16"} <= architectures
    # mmcls's classifiers of every family its catalog and metafiles hold
    assert {"regnetx_400mf", "regnetx_12gf", "hrnet_w18", "hrnet_w64", "res2net50_w26_s8"} <= {
        card.architecture for card in CARDS if card.tag == "mmcls_in1k"
    }
    publishers = {card.tag for card in CARDS}
    assert {"tv_in1k", "tv2_in1k", "mmcls_in1k", "detectron", "detectron2", "pycls", "msra", "openmmlab"} <= publishers


def test_default_tag_matches_torchvision_legacy_name():
    card = get_weights("resnet50")
    assert card.name == "resnet50.tv_in1k" and card.checkpoint == "torchvision://resnet50"
    assert tags_of("resnet50") == ["tv_in1k", "tv2_in1k", "mmcls_in1k"]
    assert list_weights("vgg1?.tv_in1k") == ["vgg11.tv_in1k", "vgg13.tv_in1k", "vgg16.tv_in1k", "vgg19.tv_in1k"]


@pytest.mark.parametrize(
    "name", ["resnet18.tv_in1k", "regnetx_400mf.pycls", "hrnet_w18_small.msra", "hrnet_w18.mmcls_in1k"]
)
def test_stored_params_and_gmacs_are_what_our_summary_measures(name):
    card = get_weights(name)
    assert measure(card) == (card.params, card.gmacs)


def test_published_numbers_agree_with_the_measured_ones():
    # torchvision publishes 25,557,032 parameters and 4.089 GFLOPS (multiply-adds) for ResNet-50
    card = get_weights("resnet50.tv2_in1k")
    assert (card.params, card.gmacs) == (25_557_032, 4.089)
    # and 68,883,240 and 11.398 for the wide ResNet-50; mmpretrain's metafile 21,295,164 parameters for HRNet-W18
    card = get_weights("wide_resnet50_2.tv2_in1k")
    assert (card.params, card.gmacs) == (68_883_240, 11.398)
    assert get_weights("hrnet_w18.mmcls_in1k").params == 21_295_164
    # torchvision's RegNetX-400MF (5,495,976 and 0.414) is not pycls's (5,157,512 with the same head)
    card = get_weights("regnet_x_400mf.tv2_in1k")
    assert (card.params, card.gmacs) == (5_495_976, 0.414)
    assert get_weights("regnetx_400mf.mmcls_in1k").params == 5_157_512


def test_transforms_follow_the_card():
    card = get_weights("resnet50.tv2_in1k")
    t = card.transforms()
    assert (t.resize_size, t.crop_size, t.mean, t.std) == (232, 224, card.mean, card.std)
    caffe = get_weights("resnet50_caffe.detectron2").transforms()
    assert (caffe.channel_order, caffe.pixel_range, caffe.resize_size) == ("BGR", 255.0, None)


def test_cards_are_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        get_weights("resnet18").top1 = 0.0  # type: ignore[misc]


def test_unknown_names_list_the_closest():
    with pytest.raises(KeyError, match=r"name='resnet50.tv_in1': .*closest: resnet50.tv_in1k"):
        get_weights("resnet50.tv_in1")
    with pytest.raises(TypeError, match="name must be a string"):
        get_weights(50)  # type: ignore[arg-type]

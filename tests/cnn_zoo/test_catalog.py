"""Catalogs: shipped names, user overrides, mmcv's file, malformed JSON, deprecated names."""

from __future__ import annotations

import json
import re

import pytest
import torch
from torch import nn

from cnn_zoo import CatalogError, UnknownCheckpointError, load_catalog, load_checkpoint, resolve, sha256_prefix
from cnn_zoo.catalog import CATALOG_NAMES, catalog_files

URL = re.compile(r"^https://download\.(pytorch\.org/models|openmmlab\.com)/[\w./-]+\.(pth|pt)$")

# Spot checks copied from mmengine 0.10.7's hub/*.json and torchvision 0.29.1's weights enums.
KNOWN = {
    "open-mmlab://vgg16_caffe": "https://download.openmmlab.com/pretrain/third_party/vgg16_caffe-292e1171.pth",
    "open-mmlab://detectron2/resnet50_caffe":
        "https://download.openmmlab.com/pretrain/third_party/resnet50_msra-5891d200.pth",
    "open-mmlab://jhu/resnet50_gn_ws": "https://download.openmmlab.com/pretrain/third_party/resnet50_gn_ws-15beedd8.pth",
    "open-mmlab://msra/hrnetv2_w32": "https://download.openmmlab.com/pretrain/third_party/hrnetv2_w32-dc9eeb4f.pth",
    "open-mmlab://res2net101_v1d_26w_4s":
        "https://download.openmmlab.com/pretrain/third_party/res2net101_v1d_26w_4s_mmdetv2-f0a600f9.pth",
    "open-mmlab://regnetx_3.2gf": "https://download.openmmlab.com/pretrain/third_party/regnetx_3.2gf-c2599b0f.pth",
    "openmmlab://resnext101_64x4d": "https://download.openmmlab.com/pretrain/third_party/resnext101_64x4d-ee2c6f71.pth",
    "torchvision://resnet50": "https://download.pytorch.org/models/resnet50-0676ba61.pth",
    "torchvision://resnet50.imagenet1k_v1": "https://download.pytorch.org/models/resnet50-0676ba61.pth",
    "torchvision://resnet50.imagenet1k_v2": "https://download.pytorch.org/models/resnet50-11ad3fa6.pth",
    "torchvision://resnet50.default": "https://download.pytorch.org/models/resnet50-11ad3fa6.pth",
    "torchvision://inception_v3_google": "https://download.pytorch.org/models/inception_v3_google-0cc3c7bd.pth",
    "torchvision://vgg16_bn": "https://download.pytorch.org/models/vgg16_bn-6c64b313.pth",
    "mmcls://resnet50": "https://download.openmmlab.com/mmclassification/v0/resnet/resnet50_8xb32_in1k_20210831-ea4938fc.pth",
}  # fmt: skip


@pytest.mark.parametrize("ref", sorted(KNOWN))
def test_known_names_resolve_to_the_upstream_url(ref):
    assert resolve(ref) == KNOWN[ref]


def test_modelzoo_is_an_old_spelling_of_torchvision():
    with pytest.warns(FutureWarning, match="torchvision://resnet18"):
        assert resolve("modelzoo://resnet18") == resolve("torchvision://resnet18")


@pytest.mark.parametrize("catalog", CATALOG_NAMES)
def test_every_shipped_name_resolves_to_a_hashed_url(catalog):
    scheme = {"open-mmlab": "open-mmlab"}.get(catalog, catalog)
    entries = load_catalog(catalog)
    assert len(entries) >= {"open-mmlab": 48, "torchvision": 240, "mmcls": 57}[catalog]
    unhashed = []
    for name, url in entries.items():
        assert resolve(f"{scheme}://{name}") == url
        assert URL.match(url), url
        if sha256_prefix(url.rsplit("/", 1)[-1]) is None:
            unhashed.append(name)
    # Only mmediting's three third-party files are published without a digest in the name.
    assert sorted(unhashed) == ({"open-mmlab": ["mmedit/mobilenet_v2", "mmedit/res34_en_nomixup", "mmedit/vgg16"]}
                                .get(catalog, []))  # fmt: skip


def test_every_torchvision_classification_weight_has_both_names():
    entries = load_catalog("torchvision")
    # Every weights-enum model has a .default that equals one of its own weights.
    models = {n.split(".")[0] for n in entries if "." in n and not n.startswith("shufflenetv2")}
    for model in models:
        weights = [u for n, u in entries.items() if n.startswith(model + ".") and not n.endswith(".default")]
        assert entries[f"{model}.default"] in weights, model
    assert {"resnet18", "resnet50", "vit_b_16", "convnext_tiny", "efficientnet_v2_s", "regnet_y_128gf"} <= models


def test_deprecated_alias_warns_and_points_to_the_new_name():
    with pytest.warns(FutureWarning, match=r"open-mmlab://resnet50_caffe is deprecated.*detectron/resnet50_caffe"):
        assert resolve("open-mmlab://resnet50_caffe") == KNOWN["open-mmlab://vgg16_caffe"].replace(
            "vgg16_caffe-292e1171", "resnet50_caffe-788b5fa3"
        )


def test_unknown_name_lists_close_names_and_the_files_searched(zoo_home):
    with pytest.raises(
        UnknownCheckpointError, match=r"'resnet5O' is not in the torchvision catalog.*Closest names: resnet50,"
    ) as info:
        resolve("torchvision://resnet5O")
    assert str(zoo_home / "torchvision.json") in str(info.value)


def test_user_catalog_merges_and_overrides(zoo_home):
    zoo_home.mkdir()
    user = {
        "model_a": "https://example.com/models/model_a_9e5bac.pth",
        "model_b": "pretrain/model_b_ab3ef2c.pth",
        "resnet50_v1c": "https://mirror.example/r50_v1c-2cccc1ad.pth",
    }
    (zoo_home / "open-mmlab.json").write_text(json.dumps(user))
    assert resolve("open-mmlab://model_a") == "https://example.com/models/model_a_9e5bac.pth"
    assert resolve("open-mmlab://model_b") == str(zoo_home / "pretrain/model_b_ab3ef2c.pth")
    assert resolve("open-mmlab://resnet50_v1c") == "https://mirror.example/r50_v1c-2cccc1ad.pth"
    assert resolve("open-mmlab://vgg16_caffe") == KNOWN["open-mmlab://vgg16_caffe"]  # the rest is kept


def test_user_entry_beats_a_deprecated_alias(zoo_home, recwarn):
    zoo_home.mkdir()
    (zoo_home / "open-mmlab.json").write_text('{"resnet50_caffe": "mine/r50.pth"}')
    assert resolve("open-mmlab://resnet50_caffe") == str(zoo_home / "mine/r50.pth")
    assert not [w for w in recwarn if issubclass(w.category, FutureWarning)]


def test_mmcv_home_catalog_is_honoured_below_ours(zoo_home, tmp_path, monkeypatch):
    mmcv_home = tmp_path / "mmcv"
    mmcv_home.mkdir()
    (mmcv_home / "open_mmlab.json").write_text('{"a": "from_mmcv.pth", "b": "https://mmcv.example/b.pth"}')
    zoo_home.mkdir()
    (zoo_home / "open-mmlab.json").write_text('{"b": "https://zoo.example/b.pth"}')
    monkeypatch.setenv("MMCV_HOME", str(mmcv_home))
    assert catalog_files("open-mmlab") == [mmcv_home / "open_mmlab.json", zoo_home / "open-mmlab.json"]
    assert resolve("open-mmlab://a") == str(mmcv_home / "from_mmcv.pth")
    assert resolve("open-mmlab://b") == "https://zoo.example/b.pth"


def test_home_falls_back_to_xdg_cache(monkeypatch, tmp_path):
    from cnn_zoo import zoo_home

    monkeypatch.delenv("CNN_ZOO_HOME")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert zoo_home() == tmp_path / "xdg" / "cnn-zoo"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "me"))
    assert zoo_home() == tmp_path / "me" / ".cache" / "cnn-zoo"


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('{\n  "a": "x.pth",\n  "b": \n}', r"open-mmlab.json.*Expecting value at line 4, column 1"),
        ('{"a": "x.pth" "b": "y.pth"}', r"line 1, column 15"),
        ('["x.pth"]', "must hold a JSON object"),
        ('{"a": null}', r"value of 'a' must be a URL or a path string, got None"),
    ],
)
def test_malformed_user_catalog_names_file_line_and_column(zoo_home, text, match):
    zoo_home.mkdir()
    (zoo_home / "open-mmlab.json").write_text(text)
    with pytest.raises(CatalogError, match=match):
        resolve("open-mmlab://vgg16_caffe")


def test_torchvision_mirror_serves_torchvision_names(zoo_home, hub, make_checkpoint):
    """The use case of a user torchvision.json: a corporate mirror, here a local server."""
    model = nn.Linear(2, 2)
    data, name = make_checkpoint(model.state_dict(), stem="resnet50")
    url = hub.add(f"/mirror/{name}", data)
    zoo_home.mkdir()
    (zoo_home / "torchvision.json").write_text(json.dumps({"resnet50": url}))
    target = nn.Linear(2, 2)
    load_checkpoint(target, "torchvision://resnet50", strict=True)
    assert torch.equal(target.weight, model.weight)
    assert resolve("torchvision://resnet101") == "https://download.pytorch.org/models/resnet101-63fe2227.pth"


def test_open_mmlab_relative_path_loads_from_home(zoo_home):
    model = nn.Linear(2, 2)
    (zoo_home / "pretrain").mkdir(parents=True)
    torch.save({"state_dict": model.state_dict()}, zoo_home / "pretrain" / "model_b_ab3ef2c.pth")
    (zoo_home / "open-mmlab.json").write_text('{"model_b": "pretrain/model_b_ab3ef2c.pth"}')
    target = nn.Linear(2, 2)
    load_checkpoint(target, "open-mmlab://model_b", strict=True)
    assert torch.equal(target.bias, model.bias)


def test_mmcls_scheme_keeps_the_backbone(zoo_home):
    zoo_home.mkdir()
    torch.save({"state_dict": {"backbone.weight": torch.ones(2, 2), "head.fc.weight": torch.zeros(1)}},
               zoo_home / "cls.pth")  # fmt: skip
    (zoo_home / "mmcls.json").write_text('{"tiny": "cls.pth"}')
    from cnn_zoo import read_checkpoint

    assert list(read_checkpoint("mmcls://tiny")["state_dict"]) == ["weight"]

"""create_model and list_models: names, strict loading of both checkpoint layouts, new heads, features."""

from __future__ import annotations

import logging
import re

import pytest
import torch

from cnn_models import HRFuseScales, ImageClassifier
from cnn_models.model_factory import ARCHITECTURES, GAP_NECK, create_model, list_models, split_model_name
from cnn_models.weights import all_weights

ARCH_NAMES = list_models()


@pytest.fixture(scope="module")
def torchvision_resnet18(tmp_path_factory) -> tuple[str, dict[str, torch.Tensor]]:
    """A file in torchvision's resnet18 layout (``conv1.*`` ... ``fc.*``) with random values."""
    torch.manual_seed(0)
    with torch.device("meta"):
        keys = create_model("resnet18", out_indices=(3,)).state_dict()
    state = {k: torch.randn(v.shape) if v.is_floating_point() else torch.tensor(3) for k, v in keys.items()}
    state["fc.weight"], state["fc.bias"] = torch.randn(1000, 512), torch.randn(1000)
    path = tmp_path_factory.mktemp("weights") / "resnet18-tv.pth"
    torch.save(state, path)
    return str(path), state


def test_list_models_gives_architectures_and_tags():
    assert {"resnet50", "resnet50_v1d", "resnet50_caffe", "regnetx_3.2gf", "hrnet_w32", "vgg16"} <= set(ARCH_NAMES)
    assert list_models("resnet50", pretrained=True) == []
    tags = ["resnet50.tv_in1k", "resnet50.tv2_in1k", "resnet50.mmcls_in1k"]
    assert list_models("resnet50.*", pretrained=True) == tags
    assert "resnet50_v1d.mmcls_in1k" in list_models(pretrained=True)
    assert len(list_models(pretrained=True)) == len(all_weights())


@pytest.mark.parametrize("name", ARCH_NAMES)
def test_every_architecture_builds_as_classifier_and_as_features(name):
    architecture = ARCHITECTURES[name]
    with torch.device("meta"):
        model = create_model(name)
        assert model.eval()(torch.zeros(1, 3, 32, 32)).shape == (1, 1000)
        features = create_model(name, out_indices=architecture.classifier_out_indices)
    assert isinstance(model, ImageClassifier)
    assert features.out_channels == model.backbone.out_channels
    if architecture.is_vgg:
        assert model.neck is None
    else:  # the head reads what the neck gives (meta tensors check the shapes all the way through)
        assert model.head.fc.in_features == architecture.head_channels
    if architecture.neck == GAP_NECK and not architecture.is_vgg:
        assert features.out_channels == (architecture.head_channels,)


def test_hrnet_classifiers_fuse_the_branches_as_mmpretrain():
    with torch.device("meta"):
        model = create_model("hrnet_w30")
    assert isinstance(model.neck[0], HRFuseScales) and model.neck[0].in_channels == (30, 60, 120, 240)
    assert model.backbone.out_indices == (0, 1, 2, 3) and model.head.fc.in_features == 2048
    assert ARCHITECTURES["hrnet_w30"].neck[0] == dict(type="HRFuseScales", in_channels=(30, 60, 120, 240))


def _torchvision_regnet_key(key: str) -> str:
    """One of our RegNet classifier's keys as torchvision's RegNet names it."""
    parts = dict(conv1="f.a.0", bn1="f.a.1", conv2="f.b.0", bn2="f.b.1", conv3="f.c.0", bn3="f.c.1", downsample="proj")
    block = re.match(r"^backbone\.layer(\d+)\.(\d+)\.(\w+)\.(.+)$", key)
    if block:
        stage, index, module, leaf = block.groups()
        return f"trunk_output.block{stage}.block{stage}-{index}.{parts[module]}.{leaf}"
    return re.sub(r"^backbone\.conv1\.", "stem.0.", re.sub(r"^backbone\.bn1\.", "stem.1.", key)).replace("head.", "")


def test_torchvision_regnet_checkpoints_are_renamed_to_our_keys(tmp_path):
    with torch.device("meta"):
        ours = create_model("regnet_x_400mf").state_dict()
    torch.manual_seed(0)
    theirs = {
        _torchvision_regnet_key(k): torch.randn(v.shape) if v.is_floating_point() else torch.tensor(1)
        for k, v in ours.items()
    }
    assert {"stem.0.weight", "trunk_output.block2.block2-0.proj.1.weight", "fc.bias"} <= set(theirs)
    torch.save(theirs, tmp_path / "regnet_x_400mf.pth")
    model = create_model("regnet_x_400mf", pretrained=str(tmp_path / "regnet_x_400mf.pth"))  # strict
    for key, value in model.state_dict().items():
        assert torch.equal(value, theirs[_torchvision_regnet_key(key)]), key
    assert model.backbone.out_channels == (400,) and model.head.fc.in_features == 400


def test_wide_resnets_double_the_middle_width_only():
    with torch.device("meta"):
        wide, plain = create_model("wide_resnet50_2"), create_model("resnet50")
    block, plain_block = wide.backbone.layer1[0], plain.backbone.layer1[0]
    assert (block.conv2.in_channels, block.conv3.out_channels) == (128, 256)
    assert (plain_block.conv2.in_channels, plain_block.conv3.out_channels) == (64, 256)
    assert wide.backbone.conv1.out_channels == 64


def test_every_tag_builds_with_the_parameters_on_its_card():
    for name, card in all_weights().items():
        with torch.device("meta"):
            out_indices = None if card.is_classifier else (0, 1, 2, 3)
            model = create_model(name, out_indices=out_indices)
        assert sum(p.numel() for p in model.parameters()) == card.params, name


def test_torchvision_layout_loads_strictly(torchvision_resnet18):
    path, state = torchvision_resnet18
    model = create_model("resnet18", pretrained=path)
    loaded = model.state_dict()
    assert set(loaded) == {("head." + k if k.startswith("fc.") else "backbone." + k) for k in state}
    assert torch.equal(loaded["backbone.layer4.1.conv2.weight"], state["layer4.1.conv2.weight"])
    assert torch.equal(loaded["head.fc.weight"], state["fc.weight"])


def test_mmcls_layout_loads_strictly(torchvision_resnet18, tmp_path):
    _, state = torchvision_resnet18
    mmcls = {("head." + k if k.startswith("fc.") else "backbone." + k): v for k, v in state.items()}
    torch.save({"state_dict": mmcls, "meta": {}}, tmp_path / "mmcls.pth")
    model = create_model("resnet18", pretrained=str(tmp_path / "mmcls.pth"))
    assert all(torch.equal(model.state_dict()[k], v) for k, v in mmcls.items())


def test_other_num_classes_keeps_the_backbone_and_notes_the_new_head(torchvision_resnet18, caplog):
    path, state = torchvision_resnet18
    with caplog.at_level(logging.INFO, logger="cnn_models"):
        model = create_model("resnet18", pretrained=path, num_classes=7)
    assert model.head.fc.weight.shape == (7, 512)
    assert torch.equal(model.backbone.conv1.weight, state["conv1.weight"])
    assert torch.equal(model.backbone.layer3[0].downsample[1].running_var, state["layer3.0.downsample.1.running_var"])
    notes = [r.getMessage() for r in caplog.records]
    assert len(notes) == 1 and "new 7-class head (the checkpoint's has 1000 classes)" in notes[0]
    assert model.eval()(torch.rand(1, 3, 32, 32)).shape == (1, 7)


def test_out_indices_gives_the_pretrained_backbone(torchvision_resnet18):
    path, state = torchvision_resnet18
    features = create_model("resnet18", pretrained=path, out_indices=(1, 3)).eval()
    assert torch.equal(features.layer1[0].bn1.weight, state["layer1.0.bn1.weight"])
    assert [f.shape[1] for f in features(torch.rand(1, 3, 32, 32))] == [128, 512]


def test_backbone_only_weights_in_a_classifier_warn(torchvision_resnet18, tmp_path, caplog):
    _, state = torchvision_resnet18
    torch.save({k: v for k, v in state.items() if not k.startswith("fc.")}, tmp_path / "backbone.pth")
    with caplog.at_level(logging.WARNING, logger="cnn_models"):
        model = create_model("resnet18", pretrained=str(tmp_path / "backbone.pth"))
    assert torch.equal(model.backbone.conv1.weight, state["conv1.weight"])
    assert "holds backbone weights only; the 1000-class head is newly initialised" in caplog.text


def test_missing_or_unexpected_keys_are_named(torchvision_resnet18, tmp_path):
    _, state = torchvision_resnet18
    torch.save({k: v for k, v in state.items() if k != "layer4.1.conv2.weight"}, tmp_path / "missing.pth")
    with pytest.raises(ValueError, match=r"1 missing keys \(backbone.layer4.1.conv2.weight\)"):
        create_model("resnet18", pretrained=str(tmp_path / "missing.pth"))
    torch.save({**state, "extra.weight": torch.zeros(1)}, tmp_path / "extra.pth")
    with pytest.raises(ValueError, match=r"1 unexpected keys \(backbone.extra.weight\)"):
        create_model("resnet18", pretrained=str(tmp_path / "extra.pth"), num_classes=5)
    with pytest.raises(ValueError, match="missing keys"):
        create_model("resnet34", pretrained=str(tmp_path / "extra.pth"))


def test_overrides_reach_the_backbone():
    model = create_model("resnet18", frozen_stages=1, norm_eval=True)
    assert not model.backbone.conv1.weight.requires_grad and not model.backbone.layer1[0].conv1.weight.requires_grad
    assert model.backbone.layer2[0].conv1.weight.requires_grad


def test_names_with_dots_in_the_architecture():
    assert split_model_name("regnetx_3.2gf") == ("regnetx_3.2gf", None)
    assert split_model_name("regnetx_3.2gf.pycls") == ("regnetx_3.2gf", "pycls")


@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (dict(name="resnet51"), ValueError, r"name='resnet51': not a known model .* Closest: resnet50"),
        (dict(name="resnet50.tv3_in1k"), ValueError, r"resnet50 has no weight tag 'tv3_in1k'; its tags: tv_in1k"),
        (dict(name="resnet18", pretrained="resnet50"), ValueError, r"create_model\('resnet50', pretrained=True\)"),
        (dict(name="resnet18", pretrained="r50.pth"), ValueError, r"create_model\('resnet18', pretrained=True\)"),
        (dict(name="res2net50_v1d_26w_4s", pretrained=True), ValueError, "has no published weights"),
        (dict(name="resnet18", pretrained=3), TypeError, "pretrained must be True/False, a weight tag"),
        (dict(name="resnet18", num_classes=0), ValueError, "num_classes must be a positive int or None, got 0"),
        (dict(name="resnet50.tv_in1k", pretrained="mmcls_in1k"), ValueError, "names the tag 'tv_in1k'"),
    ],
)
def test_bad_arguments_are_named(call, error, message):
    with pytest.raises(error, match=message):
        create_model(**call)


def test_backbone_only_weights_in_an_hrnet_classifier_give_a_new_neck_and_head(tmp_path, caplog):
    torch.manual_seed(0)
    backbone = create_model("hrnet_w18_small", out_indices=(0, 1, 2, 3)).state_dict()
    torch.save(backbone, tmp_path / "hrnet.pth")
    with caplog.at_level(logging.WARNING, logger="cnn_models"):
        model = create_model("hrnet_w18_small", pretrained=str(tmp_path / "hrnet.pth"))
    loaded = model.state_dict()
    assert all(torch.equal(loaded["backbone." + k], v) for k, v in backbone.items())
    assert "the 1000-class head is newly initialised, and so is the neck" in caplog.text
    assert model.eval()(torch.rand(1, 3, 32, 32)).shape == (1, 1000)

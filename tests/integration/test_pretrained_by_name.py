"""Pretrained models by name, end to end: weights served on 127.0.0.1 through user catalogs.

Real weights can't be downloaded here, so a real ResNet-18 with random values is
published in torchvision's layout (and mmcls's, and as a backbone-only file) by a
local HTTP server, and the user catalogs in ``$CNN_ZOO_HOME`` point the shipped names
at it. The docs home page's quickstarts run against the same server.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch

from cnn_models import create_model, get_weights
from cnn_models.transforms import center_crop, resize_shorter_side

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Published:
    """What the server offers: the torchvision-layout state dict and each file's URL."""

    state: dict[str, torch.Tensor]
    torchvision_url: str
    mmcls_url: str
    v1c_url: str


@pytest.fixture(scope="module")
def published(module_checkpoint_server) -> Published:
    torch.manual_seed(0)
    with torch.device("meta"):
        keys = create_model("resnet18", out_indices=(3,)).state_dict()
        v1c_keys = create_model("resnet18_v1c", out_indices=(3,)).state_dict()

    def random(template: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
        return {k: torch.randn(v.shape) if v.is_floating_point() else torch.tensor(5) for k, v in template.items()}

    state = random(keys)
    for k in [k for k in state if k.endswith("running_var")]:
        state[k] = state[k].abs() + 0.5
    state["fc.weight"], state["fc.bias"] = torch.randn(1000, 512) * 0.05, torch.randn(1000)
    mmcls = {("head." + k if k.startswith("fc.") else "backbone." + k): v * 0.5 for k, v in state.items()}
    v1c = {**random(v1c_keys), "fc.weight": torch.zeros(1000, 512), "fc.bias": torch.zeros(1000)}
    server = module_checkpoint_server
    return Published(
        state,
        server.publish("resnet18", state, folder="/models/"),
        server.publish("resnet18_8xb32_in1k", {"state_dict": mmcls, "meta": {}}, folder="/models/"),
        server.publish("resnet18_v1c", v1c, folder="/models/"),
    )


@pytest.fixture
def zoo_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, published: Published) -> Path:
    """An empty ``$CNN_ZOO_HOME`` whose user catalogs send the shipped names to the local server."""
    home = tmp_path / "zoo"
    home.mkdir()
    monkeypatch.setenv("CNN_ZOO_HOME", str(home))
    for name in ("CNN_ZOO_OFFLINE", "MMCV_HOME", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    (home / "torchvision.json").write_text(json.dumps({"resnet18": published.torchvision_url}))
    (home / "mmcls.json").write_text(json.dumps({"resnet18": published.mmcls_url}))
    (home / "open-mmlab.json").write_text(json.dumps({"resnet18_v1c": published.v1c_url}))
    return home


def _expected_classifier_state(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {("head." + k if k.startswith("fc.") else "backbone." + k): v for k, v in state.items()}


def test_pretrained_true_loads_the_default_tag_strictly(zoo_home, published):
    model = create_model("resnet18", pretrained=True)
    expected = _expected_classifier_state(published.state)
    loaded = model.state_dict()
    assert set(loaded) == set(expected)
    assert all(torch.equal(loaded[k], v) for k, v in expected.items())
    assert len(list(zoo_home.rglob("resnet18-*.pth"))) == 1  # downloaded into the cache, verified


def test_a_tag_a_catalog_name_and_the_name_suffix_agree(zoo_home, published):
    by_tag = create_model("resnet18", pretrained="tv_in1k")
    by_catalog = create_model("resnet18", pretrained="torchvision://resnet18")
    by_name = create_model("resnet18.tv_in1k", pretrained=True)
    for model in (by_catalog, by_name):
        other = model.state_dict()
        assert all(torch.equal(value, other[key]) for key, value in by_tag.state_dict().items())


def test_mmcls_weights_keep_their_head(zoo_home, published):
    model = create_model("resnet18.mmcls_in1k", pretrained=True)
    assert torch.equal(model.head.fc.weight, published.state["fc.weight"] * 0.5)
    assert torch.equal(model.backbone.layer4[1].conv2.weight, published.state["layer4.1.conv2.weight"] * 0.5)


def test_other_num_classes_keeps_the_backbone(zoo_home, published, caplog):
    with caplog.at_level("INFO", logger="cnn_models"):
        model = create_model("resnet18", pretrained=True, num_classes=10).eval()
    assert torch.equal(model.backbone.layer2[0].conv1.weight, published.state["layer2.0.conv1.weight"])
    assert model.head.fc.weight.shape == (10, 512)
    assert "new 10-class head" in caplog.text
    assert model(torch.rand(2, 3, 64, 64)).shape == (2, 10)


def test_backbone_only_tag_gives_features(zoo_home, published):
    features = create_model("resnet18_v1c.openmmlab", pretrained=True, out_indices=(2, 3))
    assert features.out_channels == (256, 512)  # the publisher's fc.* keys were left out


def test_transforms_match_the_card(zoo_home):
    card = get_weights("resnet18")
    preprocess = card.transforms()
    image = torch.randint(0, 256, (3, 300, 400), dtype=torch.uint8)
    by_hand = resize_shorter_side(image[None].float(), card.resize_size).round().clamp(0, 255)
    by_hand = center_crop(by_hand, card.crop_size)[0] / 255
    by_hand = (by_hand - torch.tensor(card.mean).view(3, 1, 1)) / torch.tensor(card.std).view(3, 1, 1)
    out = preprocess(image)
    assert out.shape == (3, card.crop_size, card.crop_size)
    assert torch.allclose(out, by_hand)


def test_easy_mistakes_point_to_create_model(zoo_home):
    from cnn_backbones import ResNet

    with pytest.raises(TypeError, match=r"cnn_models.create_model\('resnet50', pretrained=True\)"):
        ResNet(depth=50, pretrained=True)
    model = ResNet(depth=18, pretrained="resnet50")
    with pytest.raises(FileNotFoundError, match=r"torchvision://resnet50.*create_model\('resnet50', pretrained=True\)"):
        model.init_weights()


def _python_blocks(markdown: Path) -> list[str]:
    return re.findall(r"```python\n(.*?)```", markdown.read_text(encoding="utf-8"), flags=re.S)


def test_docs_home_page_quickstarts_run(zoo_home, capsys):
    blocks = _python_blocks(REPO / "docs" / "index.md")
    assert len(blocks) == 3
    for block in blocks:
        assert len(block.strip().splitlines()) <= 12, block
        exec(compile(block, "docs/index.md", "exec"), {})
    out = capsys.readouterr().out
    assert "torch.Size([1, 1000])" in out or "values=" in out


@pytest.mark.peer
def test_outputs_equal_torchvision_resnet18_loaded_with_the_same_file(zoo_home, published, tmp_path):
    from torchvision.models import ResNet18_Weights, resnet18

    path = tmp_path / "resnet18.pth"
    torch.save(published.state, path)
    ours = create_model("resnet18", pretrained=str(path)).eval()
    theirs = resnet18()
    theirs.load_state_dict(torch.load(path, weights_only=True), strict=True)
    theirs.eval()
    image = torch.randint(0, 256, (2, 3, 250, 300), dtype=torch.uint8)
    ours_in = get_weights("resnet18.tv_in1k").transforms()(image)
    theirs_in = ResNet18_Weights.IMAGENET1K_V1.transforms()(image)
    torch.testing.assert_close(ours_in, theirs_in)
    with torch.no_grad():
        torch.testing.assert_close(ours(ours_in), theirs(theirs_in), rtol=1e-5, atol=1e-5)


def test_the_pretrained_guide_lists_every_tag_with_its_card_numbers():
    from cnn_models.weights import all_weights

    text = (REPO / "docs" / "guides" / "pretrained.md").read_text(encoding="utf-8")
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `([^`]+\.[^`]+)` \|.*$", text, flags=re.M)}
    assert set(rows) == set(all_weights())
    for name, card in all_weights().items():
        assert f"| {card.checkpoint} |" in rows[name] and rows[name].endswith(f"| {card.gmacs} |"), name


def test_a_url_and_a_path_load_with_the_layout_detected(zoo_home, published, tmp_path):
    by_url = create_model("resnet18", pretrained=published.torchvision_url)
    assert torch.equal(by_url.head.fc.bias, published.state["fc.bias"])
    # a catalog name that a card names loads with that card's layout (here mmcls: backbone.*, head.*)
    features = create_model("resnet18", pretrained="mmcls://resnet18", out_indices=(3,))
    assert torch.equal(features.conv1.weight, published.state["conv1.weight"] * 0.5)


@pytest.mark.peer
@pytest.mark.parametrize("name", ["resnext50_32x4d", "vgg11"])
def test_torchvision_layouts_of_resnext_and_vgg_give_torchvision_outputs(name, tmp_path):
    import torchvision.models

    torch.manual_seed(0)
    theirs = getattr(torchvision.models, name)().eval()
    for module in theirs.modules():
        if isinstance(module, torch.nn.BatchNorm2d):  # statistics that are not the identity
            module.running_mean.normal_()
            module.running_var.uniform_(0.5, 2.0)
    torch.save(theirs.state_dict(), tmp_path / f"{name}.pth")
    ours = create_model(name, pretrained=str(tmp_path / f"{name}.pth")).eval()
    x = torch.rand(1, 3, 224, 224)
    with torch.no_grad():
        torch.testing.assert_close(ours(x), theirs(x), rtol=1e-5, atol=1e-5)

"""The cnn-zoo command, run in-process through main() and through `python -m cnn_zoo`'s module."""

from __future__ import annotations

import runpy
import sys

import pytest
import torch
from torch import nn

from cnn_zoo import cache_dir
from cnn_zoo.cache_name import cache_path
from cnn_zoo.cli import main


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_filters_with_a_glob(capsys):
    code, out, _ = run(capsys, "list", "torchvision://resnet50*")
    assert code == 0
    names = [line.split()[0] for line in out.splitlines()[1:]]  # below the table's header
    assert names == [
        "torchvision://resnet50",
        "torchvision://resnet50.default",
        "torchvision://resnet50.imagenet1k_v1",
        "torchvision://resnet50.imagenet1k_v2",
    ]


def test_resolve_and_unknown_name(capsys):
    assert run(capsys, "resolve", "open-mmlab://msra/hrnetv2_w18")[1].strip() == (
        "https://download.openmmlab.com/pretrain/third_party/hrnetv2_w18-00eb2006.pth"
    )
    code, _, err = run(capsys, "resolve", "open-mmlab://nope")
    assert code == 1
    assert "cnn-zoo resolve: error: 'open-mmlab://nope'" in err


def test_download_of_other_schemes_and_missing_catalog_files(capsys, zoo_home):
    code, _, err = run(capsys, "download", "hf://org/repo/w.pth")
    assert code == 1 and "hf:// reference" in err
    zoo_home.mkdir()
    (zoo_home / "open-mmlab.json").write_text('{"mine": "weights/mine.pth"}')
    code, _, err = run(capsys, "download", "open-mmlab://mine")
    assert code == 1 and f"{zoo_home / 'weights' / 'mine.pth'}, which does not exist" in err


def test_download_verify_and_cache(capsys, hub, make_checkpoint, tmp_path):
    data, name = make_checkpoint({"w": torch.ones(2)})
    url = hub.add(f"/{name}", data)
    code, out, _ = run(capsys, "download", url, "--no-progress")
    assert code == 0
    path = out.strip()
    assert path == str(cache_path(url, cache_dir()))

    code, out, _ = run(capsys, "verify", path)
    assert (code, out.split()[:2]) == (0, ["OK", name.split("-")[1][:8]])
    code, out, _ = run(capsys, "cache", "list")
    assert code == 0 and "hashed" in out and name in out

    forged = tmp_path / name
    forged.write_bytes(b"something else")
    plain = tmp_path / "plain.pth"
    plain.write_bytes(b"x")
    code, out, _ = run(capsys, "verify", str(forged), str(plain), str(tmp_path / "none.pth"))
    assert code == 1
    assert [line.split()[0] for line in out.splitlines()] == ["FAILED", "UNVERIFIED", "MISSING"]

    assert run(capsys, "cache", "clear")[0] == 0
    assert not cache_dir().exists()


def test_convert_pth_to_safetensors_with_key_revision(capsys, tmp_path):
    pytest.importorskip("safetensors")
    model = nn.Linear(2, 2)
    torch.save({"state_dict": {f"module.backbone.{k}": v for k, v in model.state_dict().items()}}, tmp_path / "a.pth")
    out_path = tmp_path / "b.safetensors"
    code, out, _ = run(
        capsys, "convert", str(tmp_path / "a.pth"), str(out_path), "--revise", r"^module\.", "", "--prefix", "backbone."
    )
    assert code == 0, out
    from safetensors.torch import load_file

    loaded = load_file(str(out_path))
    assert sorted(loaded) == ["bias", "weight"]
    assert torch.equal(loaded["weight"], model.weight.detach())
    # And back to .pth
    assert run(capsys, "convert", str(out_path), str(tmp_path / "c.pth"))[0] == 0
    assert torch.equal(torch.load(tmp_path / "c.pth")["state_dict"]["bias"], model.bias.detach())


def test_python_dash_m_and_help(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", ["cnn-zoo", "--help"])
    with pytest.raises(SystemExit) as info:
        runpy.run_module("cnn_zoo", run_name="__main__", alter_sys=True)  # what `python -m cnn_zoo` runs
    assert info.value.code == 0
    out = capsys.readouterr().out
    for command in ("list", "resolve", "download", "verify", "cache", "convert"):
        assert command in out
    with pytest.raises(SystemExit) as info:
        main(["convert", "--help"])
    assert info.value.code == 0

"""`cnn-zoo list` as a table: header, architecture, source, hash and cache columns, and its filters."""

from __future__ import annotations

import json

from cnn_zoo import download
from cnn_zoo.catalog_table import catalog_rows, render_table
from cnn_zoo.cli import main


def run(capsys, *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    return code, capsys.readouterr().out


def test_table_has_a_header_and_one_row_per_name(capsys):
    code, out = run(capsys, "list", "open-mmlab://msra/hrnetv2_w*")
    lines = out.splitlines()
    assert code == 0
    assert lines[0].split() == ["name", "architecture", "source", "hash", "cached"]
    assert lines[1].split() == [
        "open-mmlab://msra/hrnetv2_w18",
        "hrnetv2_w18",
        "download.openmmlab.com",
        "00eb2006",
        "no",
    ]
    assert len(lines) == 1 + 5


def test_arch_filter_and_json(capsys):
    code, out = run(capsys, "list", "--arch", "resnet50", "--json")
    rows = json.loads(out)
    assert code == 0
    assert {r["name"] for r in rows} == {
        "torchvision://resnet50",
        "torchvision://resnet50.default",
        "torchvision://resnet50.imagenet1k_v1",
        "torchvision://resnet50.imagenet1k_v2",
        "mmcls://resnet50",
    }
    assert all(r["sha256"] and r["url"].startswith("https://") and r["cached"] is False for r in rows)


def test_cached_filter_shows_what_was_downloaded(capsys, hub, make_checkpoint, tiny_model, zoo_home):
    data, name = make_checkpoint(tiny_model.state_dict(), stem="resnet18")
    url = hub.add(f"/{name}", data)
    zoo_home.mkdir(parents=True, exist_ok=True)
    (zoo_home / "torchvision.json").write_text(
        json.dumps({"resnet18": url, "resnet34": hub.base + "/r34-12345678.pth"})
    )
    assert run(capsys, "list", "--cached")[1].splitlines()[1:] == []
    download(url)
    code, out = run(capsys, "list", "--cached")
    assert code == 0
    (row,) = out.splitlines()[1:]
    assert row.split() == ["torchvision://resnet18", "resnet18", hub.base.removeprefix("http://"), name[9:17], "yes"]
    (r34,) = catalog_rows("torchvision://resnet34")
    assert (r34.cached, r34.sha256) == (False, "12345678")


def test_a_path_entry_is_a_local_file_without_hash(tmp_path, zoo_home):
    zoo_home.mkdir(parents=True, exist_ok=True)
    (tmp_path / "mine.pth").write_bytes(b"x")
    (zoo_home / "mmcls.json").write_text(json.dumps({"mine": str(tmp_path / "mine.pth")}))
    (row,) = catalog_rows("mmcls://mine")
    assert (row.source, row.sha256, row.cached) == ("local file", None, True)
    assert render_table([row]).splitlines()[1].split()[2:] == ["local", "file", "-", "yes"]

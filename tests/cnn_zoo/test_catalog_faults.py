"""Catalogs and home directories under bad input (issue 11 item 10), and a property test of the reader (item 28)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cnn_zoo import CatalogError, cache_dir, load_catalog, read_catalog_file, resolve, zoo_home


def write_catalog(home: Path, entries: dict[str, str], name: str = "open-mmlab") -> Path:
    home.mkdir(parents=True, exist_ok=True)
    path = home / f"{name}.json"
    path.write_text(json.dumps(entries))
    return path


def test_a_cycle_between_entries_names_the_chain(zoo_home):
    write_catalog(zoo_home, {"a": "open-mmlab://b", "b": "openmmlab://a"})
    with pytest.raises(CatalogError, match=r"cycle: open-mmlab://a -> open-mmlab://b -> openmmlab://a"):
        resolve("open-mmlab://a")


def test_a_cycle_across_catalogs(zoo_home):
    write_catalog(zoo_home, {"x": "torchvision://y"})
    write_catalog(zoo_home, {"y": "open-mmlab://x"}, name="torchvision")
    with pytest.raises(CatalogError, match=r"open-mmlab://x -> torchvision://y -> open-mmlab://x"):
        resolve("open-mmlab://x")


def test_a_chain_without_a_cycle_is_followed(zoo_home):
    write_catalog(zoo_home, {"mine": "torchvision://resnet50"})
    assert resolve("open-mmlab://mine") == "https://download.pytorch.org/models/resnet50-0676ba61.pth"


def test_tilde_is_expanded_in_catalog_values(zoo_home, tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "me"))
    write_catalog(zoo_home, {"mine": "~/weights/mine.pth"})
    assert resolve("open-mmlab://mine") == str(tmp_path / "me" / "weights" / "mine.pth")


def test_a_catalog_that_is_not_utf8_names_the_file(zoo_home):
    zoo_home.mkdir()
    path = zoo_home / "open-mmlab.json"
    path.write_bytes('{"caf\u00e9": "x.pth"}'.encode("latin-1"))
    with pytest.raises(CatalogError, match=rf"{path}.*not UTF-8"):
        load_catalog("open-mmlab")


def test_a_catalog_path_that_is_a_directory_names_it(zoo_home):
    (zoo_home / "torchvision.json").mkdir(parents=True)
    with pytest.raises(CatalogError, match=r"torchvision.json' is a directory"):
        resolve("torchvision://resnet50")


@pytest.mark.parametrize("variable", ["CNN_ZOO_HOME", "XDG_CACHE_HOME"])
def test_a_relative_home_is_made_absolute_once(tmp_path, monkeypatch, variable):
    monkeypatch.delenv("CNN_ZOO_HOME", raising=False)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv(variable, f"relative-{variable}")
    first = zoo_home()
    assert first.is_absolute() and str(first).startswith(str(tmp_path))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    assert zoo_home() == first  # a chdir does not move the cache
    assert cache_dir() == first / "checkpoints"


@pytest.mark.parametrize("variable", ["CNN_ZOO_HOME", "XDG_CACHE_HOME", "MMCV_HOME"])
def test_a_home_that_is_a_file_names_the_variable(tmp_path, monkeypatch, variable):
    monkeypatch.delenv("CNN_ZOO_HOME", raising=False)
    file = tmp_path / "oops.txt"
    file.write_text("not a directory")
    monkeypatch.setenv(variable, str(file))
    with pytest.raises(ValueError, match=rf"\${variable}=.*names a file"):
        load_catalog("open-mmlab")


def test_relative_mmcv_home_is_read(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "mmcv").mkdir()
    (tmp_path / "mmcv" / "open_mmlab.json").write_text('{"from_mmcv": "w.pth"}')
    monkeypatch.setenv("MMCV_HOME", "mmcv")
    assert load_catalog("open-mmlab")["from_mmcv"] == str(tmp_path / "mmcv" / "w.pth")


# --- item 28: the catalog reader raises only its documented errors and never changes its input ---------------------

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_subnormal=False)
    | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=10), inner, max_size=3),
    max_leaves=10,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    content=st.one_of(
        st.binary(max_size=200),
        json_values.map(lambda v: json.dumps(v).encode()),
        st.dictionaries(st.text(max_size=15), st.text(max_size=15), max_size=5).map(lambda d: json.dumps(d).encode()),
    )
)
def test_the_reader_raises_only_catalog_errors_and_leaves_the_file_alone(tmp_path_factory, content):
    path = tmp_path_factory.mktemp("catalog") / "open-mmlab.json"
    path.write_bytes(content)
    stat = os.stat(path)
    error = None
    try:
        data = read_catalog_file(path)
    except CatalogError as exc:
        error = str(exc)
    if error is not None:
        assert str(path) in error
    else:
        assert isinstance(data, dict)
        assert all(isinstance(k, str) and isinstance(v, str) and v for k, v in data.items())
        assert data == json.loads(content.decode("utf-8"))
    assert path.read_bytes() == content
    assert os.stat(path).st_mtime_ns == stat.st_mtime_ns


def test_a_missing_catalog_file_is_a_file_not_found_error(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_catalog_file(tmp_path / "absent.json")


def test_an_unreadable_catalog_file_is_a_catalog_error(tmp_path):
    (tmp_path / "not-a-dir").write_text("{}")
    with pytest.raises(CatalogError, match=r"not-a-dir/open-mmlab.json' cannot be read: Not a directory"):
        read_catalog_file(tmp_path / "not-a-dir" / "open-mmlab.json")


def test_catalog_files_and_resolve_check_their_argument():
    from cnn_zoo.catalog import catalog_files

    with pytest.raises(ValueError, match=r"catalog must be one of open-mmlab, .*got 'openmmlab'"):
        catalog_files("openmmlab")
    with pytest.raises(TypeError, match=r"filename must be a string, got PosixPath"):
        resolve(Path("w.pth"))  # type: ignore[arg-type]

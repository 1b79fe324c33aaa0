"""Cache file names and paths: what a URL becomes on disk, and the URLs that cannot become a path."""

from __future__ import annotations

import pytest

from cnn_zoo.cache_name import cache_file_name, cache_path


def test_a_url_must_be_a_string():
    with pytest.raises(TypeError, match=r"url must be a string, got bytes: b'http://h/w.pth'"):
        cache_file_name(b"http://h/w.pth")  # type: ignore[arg-type]


def test_an_invalid_port_is_named(tmp_path):
    with pytest.raises(ValueError, match=r"url 'http://127.0.0.1:99999/w.pth' has an invalid port"):
        cache_path("http://127.0.0.1:99999/w.pth", tmp_path)


def test_each_host_and_port_gets_its_own_folder_inside_the_cache(tmp_path):
    path = cache_path("http://127.0.0.1:8000/models/../w-0123abcd.pth", tmp_path)
    assert path.name == "w-0123abcd.pth"
    assert path.parent.parent == tmp_path / "127.0.0.1_8000"
    assert path.resolve().is_relative_to(tmp_path.resolve())

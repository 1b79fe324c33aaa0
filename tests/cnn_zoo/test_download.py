"""The download cache against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import hashlib
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from torch import nn

from cnn_zoo import (
    ChecksumError,
    DownloadError,
    OfflineError,
    UntrustedCheckpointError,
    cache_dir,
    cache_file_name,
    download,
    load_checkpoint,
    read_checkpoint,
    sha256_prefix,
)
from cnn_zoo.cache_name import cache_path

WORKER = Path(__file__).with_name("load_worker.py")


def files_under(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_hash_pass_loads_and_caches(hub, tiny_model, make_checkpoint):
    data, name = make_checkpoint(tiny_model.state_dict())
    url = hub.add(f"/models/{name}", data)
    target = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    load_checkpoint(target, url, strict=True)
    assert torch.equal(target[0].weight, tiny_model[0].weight)
    path = download(url)
    assert path == cache_path(url, cache_dir())
    assert path.name == name and path.parent.parent.name.startswith("127.0.0.1_")
    assert path.read_bytes() == data
    assert hub.files[f"/models/{name}"].full_gets == 1  # the second call used the cache
    assert not list(path.parent.glob("*.part"))
    assert (cache_dir() / "CACHEDIR.TAG").is_file()


def test_hash_mismatch_deletes_the_partial_and_names_both_digests(hub, tiny_model, make_checkpoint):
    data, name = make_checkpoint(tiny_model.state_dict())
    url = hub.add(f"/{name}", data, wrong_bytes=True)
    with pytest.raises(ChecksumError, match=rf"{sha256_prefix(name)}") as info:
        download(url)
    assert info.value.expected == sha256_prefix(name)
    assert not info.value.actual.startswith(info.value.expected)
    assert info.value.actual in str(info.value)
    assert [f for f in files_under(cache_dir()) if not f.endswith((".lock", "CACHEDIR.TAG"))] == []


def test_interrupted_transfer_resumes_with_range(hub, make_checkpoint):
    data, name = make_checkpoint({"w": torch.arange(700_000, dtype=torch.float32)})  # 2.8 MB
    url = hub.add(f"/{name}", data, drop_after=1_500_000, drops=1)
    path = download(url, backoff=0.01)
    assert path.read_bytes() == data
    served = hub.files[f"/{name}"]
    assert served.full_gets == 1
    # The resume asks for the rest only: it starts after what the first transfer kept.
    assert len(served.range_gets) == 1
    start = int(served.range_gets[0].removeprefix("bytes=").rstrip("-"))
    assert 0 < start <= 1_500_000


def test_server_without_range_support_restarts_from_zero(hub, make_checkpoint):
    data, name = make_checkpoint({"w": torch.arange(50_000, dtype=torch.float32)})
    url = hub.add(f"/{name}", data, drop_after=70_000, drops=2, ranges=False)
    assert download(url, backoff=0.01).read_bytes() == data
    assert hub.files[f"/{name}"].full_gets == 3


def test_5xx_is_retried_then_succeeds(hub, make_checkpoint):
    data, name = make_checkpoint({"w": torch.ones(3)})
    url = hub.add(f"/{name}", data, statuses=[500, 503])
    assert download(url, backoff=0.01).read_bytes() == data
    assert hub.files[f"/{name}"].requests == 3


def test_5xx_gives_up_after_the_retries(hub, make_checkpoint):
    data, name = make_checkpoint({"w": torch.ones(3)})
    url = hub.add(f"/{name}", data, statuses=[500] * 10)
    with pytest.raises(DownloadError, match="after 3 attempts.*500"):
        download(url, retries=2, backoff=0.01)
    assert hub.files[f"/{name}"].requests == 3


def test_404_fails_at_once_naming_the_url(hub):
    url = hub.base + "/missing-0123abcd.pth"
    with pytest.raises(DownloadError, match=r"missing-0123abcd.pth failed: HTTP 404"):
        download(url)


def test_unreachable_server_is_a_download_error():
    with pytest.raises(DownloadError, match="could not download"):
        download("http://127.0.0.1:9/w-0123abcd.pth", retries=1, backoff=0.01, timeout=(1, 1))


def test_unverified_url_is_cached_and_reported(hub, caplog):
    url = hub.add("/plain.pth", b"x" * 10)
    with caplog.at_level(logging.WARNING, logger="cnn_zoo"):
        assert download(url).read_bytes() == b"x" * 10
    assert "unverified" in caplog.text


def test_corrupt_cached_file_is_downloaded_again(hub, make_checkpoint):
    data, name = make_checkpoint({"w": torch.ones(3)})
    url = hub.add(f"/{name}", data)
    path = download(url)
    path.write_bytes(b"bit rot")
    assert download(url).read_bytes() == data
    assert hub.files[f"/{name}"].full_gets == 2


def test_same_size_tampering_is_caught_despite_the_verification_stamp(hub, make_checkpoint):
    data, name = make_checkpoint({"w": torch.ones(3)})
    url = hub.add(f"/{name}", data)
    path = download(url)
    assert path.with_name(f".{name}.sha256").read_text().startswith(hashlib.sha256(data).hexdigest())
    stat = path.stat()
    path.write_bytes(bytes(len(data)))  # same size ...
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # ... and the same mtime
    assert download(url).read_bytes() == data
    assert hub.files[f"/{name}"].full_gets == 2


def test_offline_mode_uses_only_the_cache(hub, make_checkpoint, monkeypatch):
    data, name = make_checkpoint({"w": torch.ones(3)})
    url = hub.add(f"/{name}", data)
    monkeypatch.setenv("CNN_ZOO_OFFLINE", "1")
    with pytest.raises(OfflineError, match=rf"not in the cache.*cnn-zoo download {url}"):
        read_checkpoint(url)
    assert hub.files[f"/{name}"].requests == 0
    monkeypatch.setenv("CNN_ZOO_OFFLINE", "0")
    download(url)
    monkeypatch.setenv("CNN_ZOO_OFFLINE", "1")
    assert torch.equal(read_checkpoint(url)["w"], torch.ones(3))
    assert hub.files[f"/{name}"].requests == 1
    monkeypatch.setenv("CNN_ZOO_OFFLINE", "maybe")
    with pytest.raises(ValueError, match="CNN_ZOO_OFFLINE.*'maybe'"):
        download(url)


def test_malicious_pickle_over_http_is_refused_and_never_runs(hub, tmp_path, hashed):
    marker = tmp_path / "pwned.txt"

    class RunsCode:
        def __reduce__(self):
            return (exec, (f"open({str(marker)!r}, 'w').write('pwned')",))

    import io

    buffer = io.BytesIO()
    torch.save({"w": torch.ones(1), "x": RunsCode()}, buffer)
    data = buffer.getvalue()
    url = hub.add(f"/{hashed('evil', data)}", data)
    with pytest.raises(UntrustedCheckpointError, match="exec"):
        load_checkpoint(nn.Linear(1, 1), url)
    assert not marker.exists()


@pytest.mark.parametrize(
    ("url_path", "expected_name"),
    [
        ("/a/..%2F..%2F..%2Fevil-0123abcd.pth", "evil-0123abcd.pth"),
        ("/..%2f..%2f/etc%2Fpasswd", "passwd"),
        ("/x/%2E%2E", None),
        ("/%2Ftmp%2Fabs-0123abcd.pth?dir=../../", "abs-0123abcd.pth"),
        ("/a\\..\\..\\win-0123abcd.pth", "win-0123abcd.pth"),
        ("/.hidden-0123abcd.pth", "hidden-0123abcd.pth"),
    ],
)
def test_path_traversal_never_writes_outside_the_cache(hub, tmp_path, url_path, expected_name):
    url = hub.base + url_path
    if expected_name is None:
        with pytest.raises(ValueError, match="does not end in a file name"):
            download(url)
        return
    assert cache_file_name(url) == expected_name
    before = files_under(tmp_path)
    with pytest.raises((DownloadError, ChecksumError)):  # the server has no such file
        download(url)
    created = sorted(set(files_under(tmp_path)) - set(before))
    assert all(
        f.startswith("zoo-home/checkpoints/127.0.0.1_") or f == "zoo-home/checkpoints/CACHEDIR.TAG" for f in created
    ), created


def test_three_processes_share_one_download(hub, make_checkpoint, zoo_home, tmp_path):
    data, name = make_checkpoint({"w": torch.arange(200_000, dtype=torch.float32)})
    url = hub.add(f"/{name}", data, chunk_delay=0.05)  # a ~0.7 s transfer: the others wait on the lock
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    env = dict(os.environ, CNN_ZOO_HOME=str(zoo_home), OMP_NUM_THREADS="1")
    command = [sys.executable, str(WORKER), url, str(barrier), "3"]
    procs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env) for _ in range(3)]
    results = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err.decode()
        assert out.decode().split() == [hashlib.sha256(data).hexdigest(), "False"]  # the file, without torch
    served = hub.files[f"/{name}"]
    assert served.full_gets == 1
    assert served.range_gets == []


def test_progress_bar_only_when_asked_or_on_a_terminal(hub, make_checkpoint, capsys, tmp_path):
    data, name = make_checkpoint({"w": torch.ones(3)})
    url = hub.add(f"/{name}", data)
    download(url, tmp_path / "quiet")  # stderr is captured, not a terminal: no bar
    assert capsys.readouterr().err == ""
    download(url, tmp_path / "loud", progress=True)
    err = capsys.readouterr().err
    assert name.removesuffix(".pth") in err and "100%" in err
    with pytest.raises(TypeError, match="progress must be a bool or None"):
        download(url, progress="yes")


def test_threads_of_one_process_share_one_download(hub, make_checkpoint):
    from concurrent.futures import ThreadPoolExecutor

    data, name = make_checkpoint({"w": torch.arange(100_000, dtype=torch.float32)})
    url = hub.add(f"/{name}", data, chunk_delay=0.02)
    with ThreadPoolExecutor(4) as pool:
        paths = list(pool.map(lambda _: download(url), range(4)))
    assert len(set(paths)) == 1
    assert paths[0].read_bytes() == data
    assert hub.files[f"/{name}"].full_gets == 1

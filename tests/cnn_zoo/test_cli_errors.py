"""The cnn-zoo command: user errors are one line and a non-zero exit, and the quick commands import no torch."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import torch

from cnn_zoo.cli import main

PROBE = """
import sys
from cnn_zoo.cli import main
try:
    status = main(sys.argv[1:])
except SystemExit as exc:
    status = exc.code
print('torch imported' if 'torch' in sys.modules else 'no torch', file=sys.stderr)
sys.exit(status)
"""


def run_fresh(*argv: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, timeout=300, env=env)


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["resolve", "torchvision://resnet50"], ["list"], ["list", "open-mmlab://resnet*"]],
    ids=["help", "resolve", "list", "list-pattern"],
)
def test_quick_commands_import_no_torch(argv):
    result = run_fresh(*argv)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().endswith("no torch"), result.stderr


def test_import_cnn_zoo_imports_torch_only_when_needed():
    code = (
        "import sys, cnn_zoo\n"
        "cnn_zoo.resolve('torchvision://resnet50'); cnn_zoo.load_catalog('mmcls')\n"
        "assert 'torch' not in sys.modules, 'import cnn_zoo imported torch'\n"
        "cnn_zoo.load_checkpoint\n"
        "assert 'torch' in sys.modules\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr


def one_line_error(capsys, *argv: str) -> str:
    code = main(list(argv))
    _, err = capsys.readouterr()
    assert code == 1
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
    return err


def test_bare_name_suggests_the_catalog_reference(capsys):
    err = one_line_error(capsys, "resolve", "resnet50")
    assert "did you mean torchvision://resnet50" in err.lower()


def test_an_existing_file_resolves_to_itself(capsys, tmp_path):
    path = tmp_path / "w.pth"
    path.write_bytes(b"x")
    assert main(["resolve", str(path)]) == 0
    assert capsys.readouterr().out.strip() == str(path)


def test_convert_with_a_bad_revise_regex(capsys, tmp_path):
    path = tmp_path / "w.pth"
    torch.save({"w": torch.ones(1)}, path)
    err = one_line_error(capsys, "convert", str(path), str(tmp_path / "out.pth"), "--revise", "(", "")
    assert "'(' is not a valid regular expression" in err


def test_convert_without_the_safetensors_extra(tmp_path):
    from cnn_zoo import save_checkpoint

    source = save_checkpoint({"w": torch.ones(1)}, tmp_path / "w.safetensors")
    code = (
        "import sys; sys.modules['safetensors'] = None  # as if the extra were not installed\n"
        "from cnn_zoo.cli import main\n"
        f"sys.exit(main(['convert', {str(source)!r}, {str(tmp_path / 'w.pth')!r}]))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [result.stderr.strip()], result.stderr
    assert "pip install 'cnn-zoo[safetensors]'" in result.stderr


def test_cache_clear_refuses_a_directory_that_is_not_a_cache(capsys, tmp_path):
    precious = tmp_path / "thesis"
    precious.mkdir()
    (precious / "chapter1.tex").write_text("...")
    err = one_line_error(capsys, "cache", "clear", "--dir", str(precious))
    assert "refusing to delete" in err and "not a cnn-zoo download cache" in err
    assert (precious / "chapter1.tex").is_file()


def test_cache_clear_and_remove_on_a_real_cache(capsys, hub, make_checkpoint, tmp_path):
    data, name = make_checkpoint({"w": torch.ones(2)})
    url = hub.add(f"/{name}", data)
    other = hub.add("/other.pth", b"other")
    cache = tmp_path / "cache"
    assert main(["download", url, "--dir", str(cache), "--no-progress"]) == 0
    assert main(["download", other, "--dir", str(cache), "--no-progress"]) == 0
    capsys.readouterr()
    assert main(["cache", "remove", other, "--dir", str(cache)]) == 0
    assert main(["cache", "list", "--dir", str(cache)]) == 0
    listing = capsys.readouterr().out
    assert name in listing and "other.pth" not in listing and ".sha256" not in listing
    assert main(["cache", "clear", "--dir", str(cache)]) == 0
    assert not Path(cache).exists()


def test_a_corrupt_unverified_cached_file_names_its_path_and_the_remedy(capsys, hub):
    from torch import nn

    from cnn_zoo import CorruptCheckpointError, cache_dir, load_checkpoint
    from cnn_zoo.cache_name import cache_path

    url = hub.add("/plain.pth", b"not a checkpoint")
    with pytest.raises(CorruptCheckpointError) as info:
        load_checkpoint(nn.Linear(1, 1), url)
    cached = cache_path(url, cache_dir())
    assert str(cached) in str(info.value)
    assert f"cnn-zoo cache remove {url}" in str(info.value)
    assert main(["cache", "remove", url]) == 0  # the command the message gives works
    assert not cached.exists()
    hub.files["/plain.pth"].body = (nn_bytes := _linear_bytes())
    load_checkpoint(nn.Linear(1, 1), url, strict=True)
    assert cached.read_bytes() == nn_bytes


def _linear_bytes() -> bytes:
    import io

    from torch import nn

    buffer = io.BytesIO()
    torch.save(nn.Linear(1, 1).state_dict(), buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "note"),
    [
        ("modelzoo://resnet50", "the modelzoo:// scheme is deprecated; use torchvision://resnet50 instead"),
        ("open-mmlab://resnet50_caffe", "open-mmlab://resnet50_caffe is deprecated in favour of"),
    ],
)
def test_a_deprecated_name_gets_a_one_line_note(capsys, recwarn, name, note):
    assert main(["resolve", name]) == 0
    out, err = capsys.readouterr()
    assert out.startswith("https://")
    assert err.strip().splitlines() == [f"cnn-zoo resolve: note: {err.split('note: ', 1)[1].strip()}"]
    assert note in err
    assert not [w for w in recwarn if issubclass(w.category, FutureWarning)]


def test_the_package_lists_its_lazy_names_and_names_a_missing_one():
    import cnn_zoo

    assert {"load_checkpoint", "write_checkpoint_file", "resolve"} <= set(dir(cnn_zoo))
    with pytest.raises(AttributeError, match="module 'cnn_zoo' has no attribute 'load_chekpoint'"):
        cnn_zoo.load_chekpoint  # noqa: B018


def test_a_misspelt_bare_name_suggests_close_catalog_names(capsys):
    err = one_line_error(capsys, "resolve", "resnet5O")
    assert "Did you mean " in err and " torchvision://resnet50 " in err
    err = one_line_error(capsys, "resolve", "qqqqqqqq")
    assert "neither a catalog reference (scheme://NAME) nor an existing file." in err and "Did you mean" not in err


def test_download_of_an_existing_local_file_prints_its_path(capsys, tmp_path):
    path = tmp_path / "w.pth"
    path.write_bytes(b"x")
    assert main(["download", str(path)]) == 0
    assert capsys.readouterr().out.strip() == str(path)


def test_cache_commands_on_a_cache_that_does_not_exist(capsys, tmp_path):
    missing = str(tmp_path / "no-cache")
    assert main(["cache", "list", "--dir", missing]) == 0
    assert capsys.readouterr().out == ""
    assert main(["cache", "remove", "http://h/w.pth", "--dir", missing]) == 0
    assert "http://h/w.pth is not in the cache" in capsys.readouterr().out
    assert main(["cache", "clear", "--dir", missing]) == 0
    assert f"nothing to remove: {missing} does not exist" in capsys.readouterr().out
    assert not Path(missing).exists()


def test_cache_remove_needs_a_url(capsys, tmp_path):
    err = one_line_error(capsys, "cache", "remove", "--dir", str(tmp_path))
    assert "cache remove needs the URL whose cached copy to delete" in err

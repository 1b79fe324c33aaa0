"""load_checkpoint / save_checkpoint / read_checkpoint on local files."""

from __future__ import annotations

import copy
import sys

import pytest
import torch
from torch import nn

from cnn_zoo import (
    CorruptCheckpointError,
    MissingExtraError,
    StateDictMismatchError,
    UnknownCheckpointError,
    UntrustedCheckpointError,
    load_checkpoint,
    read_checkpoint,
    revise_state_dict_keys,
    save_checkpoint,
    state_dict_from_checkpoint,
)


class RunsCode:
    """Unpickling this object executes ``self.code``: the shape of a malicious checkpoint."""

    def __init__(self, code: str) -> None:
        self.code = code

    def __reduce__(self):
        return (exec, (self.code,))


def malicious_checkpoint(path, marker):
    code = f"open({str(marker)!r}, 'w').write('pwned')"
    torch.save({"state_dict": nn.Linear(1, 1).state_dict(), "payload": RunsCode(code)}, path)


def assert_same_weights(a: nn.Module, b: nn.Module) -> None:
    sa, sb = a.state_dict(), b.state_dict()
    assert sa.keys() == sb.keys()
    for key in sa:
        assert torch.equal(sa[key], sb[key]), key


def test_round_trip_pth_with_meta(tmp_path, tiny_model):
    path = save_checkpoint(tiny_model, tmp_path / "m.pth", meta={"epoch": 7})
    raw = read_checkpoint(path)
    assert raw["meta"] == {"epoch": 7}
    target = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    returned = load_checkpoint(target, str(path), strict=True)
    assert returned["meta"] == {"epoch": 7}
    assert_same_weights(target, tiny_model)


def test_round_trip_safetensors(tmp_path, tiny_model):
    pytest.importorskip("safetensors")
    path = save_checkpoint(tiny_model, tmp_path / "m.safetensors", meta={"epoch": 7})
    from safetensors import safe_open

    with safe_open(str(path), "pt") as f:
        assert f.metadata() == {"epoch": "7"}
    target = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    load_checkpoint(target, path, strict=True)
    assert_same_weights(target, tiny_model)


def test_save_is_atomic_and_leaves_no_temporary_files(tmp_path, tiny_model):
    path = tmp_path / "m.pth"
    path.write_bytes(b"old contents")
    save_checkpoint(tiny_model, path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.pth"]
    with pytest.raises(TypeError, match="model_or_state_dict"):
        save_checkpoint(object(), path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["m.pth"]
    assert "state_dict" in torch.load(path)


@pytest.mark.parametrize("layout", ["state_dict", "model", "state_dict_ema", "bare"])
def test_checkpoint_layouts(tmp_path, tiny_model, layout):
    sd = tiny_model.state_dict()
    obj = sd if layout == "bare" else {layout: sd, "epoch": 3}
    torch.save(obj, tmp_path / "c.pth")
    target = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    load_checkpoint(target, tmp_path / "c.pth", strict=True)
    assert_same_weights(target, tiny_model)


def test_ema_weights_are_chosen_on_request(tmp_path):
    plain, ema = nn.Linear(2, 2), nn.Linear(2, 2)
    torch.save({"state_dict": plain.state_dict(), "ema_state_dict": ema.state_dict()}, tmp_path / "c.pth")
    target = nn.Linear(2, 2)
    load_checkpoint(target, tmp_path / "c.pth", ema=True, strict=True)
    assert torch.equal(target.weight, ema.weight)
    load_checkpoint(target, tmp_path / "c.pth", strict=True)
    assert torch.equal(target.weight, plain.weight)
    with pytest.raises(KeyError, match="no EMA weights"):
        state_dict_from_checkpoint({"state_dict": plain.state_dict()}, ema=True)


def test_no_state_dict_is_a_clear_error():
    with pytest.raises(ValueError, match="holds no state dict.*optimizer"):
        state_dict_from_checkpoint({"optimizer": {}, "epoch": 1})


def test_prefix_and_default_module_revision(tmp_path):
    detector = {"module.backbone.weight": torch.ones(2, 2), "module.backbone.bias": torch.zeros(2),
                "module.head.weight": torch.ones(1)}  # fmt: skip
    torch.save({"state_dict": detector}, tmp_path / "det.pth")
    target = nn.Linear(2, 2)
    load_checkpoint(target, tmp_path / "det.pth", prefix="backbone", strict=True)
    assert torch.equal(target.weight, torch.ones(2, 2))
    with pytest.raises(KeyError, match=r"prefix 'neck\.' matches no key.*\['backbone\.', 'head\.'\]"):
        load_checkpoint(target, tmp_path / "det.pth", prefix="neck.")


def test_revise_keys_does_not_mutate_its_input():
    sd = {"module.a": 1, "b": 2}
    snapshot = copy.deepcopy(sd)
    rules = [(r"^module\.", ""), (r"^b$", "c")]
    assert revise_state_dict_keys(sd, rules) == {"a": 1, "c": 2}
    assert sd == snapshot
    assert rules == [(r"^module\.", ""), (r"^b$", "c")]
    with pytest.raises(TypeError, match="revise_keys must hold"):
        revise_state_dict_keys(sd, [("only-one",)])


def test_strict_mismatch_from_file(tmp_path):
    torch.save(nn.Linear(2, 3).state_dict(), tmp_path / "c.pth")
    with pytest.raises(StateDictMismatchError, match=r"weight: state dict has \(3, 2\), module has \(4, 2\)"):
        load_checkpoint(nn.Linear(2, 4), tmp_path / "c.pth", strict=True)


def test_malicious_pickle_is_refused_and_never_runs(tmp_path):
    marker = tmp_path / "pwned.txt"
    malicious_checkpoint(tmp_path / "evil.pth", marker)
    with pytest.raises(UntrustedCheckpointError, match="trust=True"):
        load_checkpoint(nn.Linear(1, 1), tmp_path / "evil.pth")
    assert not marker.exists()


def test_trust_opt_in_really_unpickles(tmp_path):
    # The counterpart of the test above: proof that the payload does run when trusted.
    marker = tmp_path / "pwned.txt"
    malicious_checkpoint(tmp_path / "evil.pth", marker)
    load_checkpoint(nn.Linear(1, 1), tmp_path / "evil.pth", trust=True)
    assert marker.read_text() == "pwned"


@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty"])
def test_corrupt_files_raise_naming_the_file(tmp_path, tiny_model, damage):
    path = save_checkpoint(tiny_model, tmp_path / "m.pth")
    data = path.read_bytes()
    path.write_bytes(
        {"truncate": data[: len(data) // 2], "garbage": b"this is not a checkpoint\n" * 10, "empty": b""}[damage]
    )
    with pytest.raises(CorruptCheckpointError, match="m.pth"):
        read_checkpoint(path)


def test_missing_file_and_unknown_scheme(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.pth"):
        read_checkpoint(tmp_path / "nope.pth")
    with pytest.raises(UnknownCheckpointError, match=r"'s3://'.*register_module\(name='s3'\)"):
        read_checkpoint("s3://bucket/key.pth")
    with pytest.raises(TypeError, match="filename must be a string"):
        read_checkpoint(3)


def test_a_registered_scheme_is_used(tmp_path, tiny_model):
    from cnn_zoo import CHECKPOINT_LOADERS

    path = save_checkpoint(tiny_model, tmp_path / "m.pth")
    seen = []

    def load_from_mem(filename, map_location="cpu", trust=False):
        seen.append(filename)
        return torch.load(path, map_location=map_location, weights_only=True)

    CHECKPOINT_LOADERS.register_module(name="mem", module=load_from_mem, force=True)
    target = nn.Sequential(nn.Conv2d(3, 4, 3), nn.BatchNorm2d(4))
    load_checkpoint(target, "mem://m", strict=True)
    assert seen == ["mem://m"]
    assert_same_weights(target, tiny_model)


def test_data_parallel_wrapper_is_unwrapped(tmp_path):
    source = nn.Linear(2, 2)
    save_checkpoint(nn.DataParallel(source), tmp_path / "c.pth")
    assert set(torch.load(tmp_path / "c.pth")["state_dict"]) == {"weight", "bias"}
    target = nn.DataParallel(nn.Linear(2, 2))
    load_checkpoint(target, tmp_path / "c.pth", strict=True)
    assert torch.equal(target.module.weight, source.weight)


def test_missing_safetensors_extra_names_the_pip_line(tmp_path, monkeypatch):
    (tmp_path / "w.safetensors").write_bytes(b"{}")
    monkeypatch.setitem(sys.modules, "safetensors", None)  # as if it were not installed
    monkeypatch.setitem(sys.modules, "safetensors.torch", None)
    with pytest.raises(MissingExtraError, match=r"pip install 'cnn-zoo\[safetensors\]'"):
        read_checkpoint(tmp_path / "w.safetensors")


def test_tied_weights_save_as_safetensors(tmp_path):
    pytest.importorskip("safetensors")
    embed, head = nn.Embedding(5, 3), nn.Linear(3, 5, bias=False)
    head.weight = embed.weight  # tied, as in language models
    model = nn.ModuleDict({"embed": embed, "head": head})
    path = save_checkpoint(model, tmp_path / "tied.safetensors")
    loaded = read_checkpoint(path, map_location={"cuda:0": "cpu"})
    assert torch.equal(loaded["embed.weight"], loaded["head.weight"])
    target = nn.ModuleDict({"embed": nn.Embedding(5, 3), "head": nn.Linear(3, 5, bias=False)})
    load_checkpoint(target, path, strict=True)
    assert torch.equal(target["head"].weight, embed.weight)


def test_bad_arguments_name_the_argument(tmp_path):
    from cnn_zoo import load_checkpoint_with_prefix

    path = save_checkpoint({"w": torch.ones(1)}, tmp_path / "w.pth")
    with pytest.raises(TypeError, match=r"checkpoint must be a mapping, got list"):
        state_dict_from_checkpoint([torch.ones(1)])
    with pytest.raises(TypeError, match=r"prefix must be a non-empty string such as 'backbone.' or None, got ''"):
        revise_state_dict_keys({"w": torch.ones(1)}, (), prefix="")
    with pytest.raises(TypeError, match=r"prefix must be a non-empty string such as 'backbone.', got None"):
        load_checkpoint_with_prefix(None, path)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"meta must be a mapping or None, got str: 'epoch 3'"):
        save_checkpoint({"w": torch.ones(1)}, tmp_path / "meta.pth", meta="epoch 3")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"trust must be a bool, got str: 'yes'"):
        read_checkpoint(path, trust="yes")  # type: ignore[arg-type]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["w.pth"]


def test_a_corrupt_safetensors_file_is_named(tmp_path):
    pytest.importorskip("safetensors")
    path = tmp_path / "w.safetensors"
    path.write_bytes(b"\x08\x00\x00\x00\x00\x00\x00\x00{broken}")
    with pytest.raises(CorruptCheckpointError, match=r"w.safetensors' is not a readable safetensors file"):
        read_checkpoint(path)


@pytest.mark.parametrize(
    ("state_dict", "match"),
    [
        ({"w": torch.ones(1), "step": 3}, r"a .safetensors file holds a mapping of names to tensors only; got dict"),
        ({"w": torch.ones(1, dtype=torch.complex128)}, r"cannot hold 'w' of dtype torch.complex128"),
        ({"w": torch.eye(2).to_sparse()}, r"holds dense tensors only; 'w' is torch.sparse_coo"),
    ],
)
def test_what_safetensors_cannot_hold_is_refused_and_leaves_no_file(tmp_path, state_dict, match):
    from cnn_zoo import write_checkpoint_file

    with pytest.raises(TypeError, match=match):
        write_checkpoint_file(state_dict, tmp_path / "w.safetensors")
    assert not any(tmp_path.iterdir())  # neither the file nor its temporary

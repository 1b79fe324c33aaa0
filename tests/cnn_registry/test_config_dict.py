"""ConfigDict: attribute access on a dict subclass, recursively, that still behaves as a dict."""

from __future__ import annotations

import copy
import json
import pickle

import pytest

from cnn_registry import ConfigDict, apply_overrides


def test_nested_dicts_and_dicts_in_lists_and_tuples_get_attribute_access() -> None:
    cfg = ConfigDict({"model": {"heads": [{"type": "A"}], "pairs": ({"k": 1},)}})
    assert cfg.model.heads[0].type == "A"
    assert cfg.model.pairs[0].k == 1
    assert all(isinstance(d, ConfigDict) for d in (cfg.model, cfg.model.heads[0], cfg.model.pairs[0]))


def test_setting_by_attribute_or_key_wraps_dicts() -> None:
    cfg = ConfigDict()
    cfg.model = {"backbone": {"depth": 50}}
    cfg["neck"] = {"type": "GAP"}
    cfg.update(head={"num_classes": 10})
    cfg.setdefault("data", {"batch_size": 2})
    assert cfg.model.backbone.depth == 50 and cfg.neck.type == "GAP"
    assert cfg.head.num_classes == 10 and cfg.data.batch_size == 2
    del cfg.neck
    assert "neck" not in cfg


def test_missing_keys_are_attribute_errors_for_attributes_and_key_errors_for_items() -> None:
    cfg = ConfigDict(model={"depth": 50})
    with pytest.raises(AttributeError, match=r"config has no key 'modle'; its keys: 'model'"):
        _ = cfg.modle
    assert not hasattr(cfg, "modle") and getattr(cfg, "modle", None) is None
    with pytest.raises(KeyError):
        cfg["modle"]
    with pytest.raises(AttributeError, match="config has no key 'gone'"):
        del cfg.gone


def test_dict_methods_win_over_keys_of_the_same_name() -> None:
    cfg = ConfigDict(items=[1, 2])
    assert callable(cfg.items) and cfg["items"] == [1, 2]


def test_it_is_still_a_dict_for_plain_dict_code() -> None:
    cfg = ConfigDict(model={"depth": 50, "stages": [{"k": 1}]})
    plain = {"model": {"depth": 50, "stages": [{"k": 1}]}}
    assert cfg == plain and isinstance(cfg, dict)
    assert json.loads(json.dumps(cfg)) == plain
    assert repr(cfg) == repr(plain)
    assert {**cfg} == plain
    assert type(cfg.to_dict()) is dict and type(cfg.to_dict()["model"]["stages"][0]) is dict


def test_copies_and_pickles_stay_config_dicts_and_are_independent() -> None:
    cfg = ConfigDict(model={"depth": 50})
    for clone in (copy.deepcopy(cfg), pickle.loads(pickle.dumps(cfg))):
        assert isinstance(clone, ConfigDict) and isinstance(clone.model, ConfigDict)
        clone.model.depth = 101
        assert cfg.model.depth == 50
    shallow = cfg.copy()
    assert isinstance(shallow, ConfigDict) and shallow.model is cfg.model


def test_overrides_keep_attribute_access_and_leave_the_input_alone() -> None:
    cfg = ConfigDict(model={"depth": 50})
    result = apply_overrides(cfg, ["model.depth=101", "model.norm_cfg.type=GN"])
    assert isinstance(result, ConfigDict)
    assert result.model.depth == 101 and result.model.norm_cfg.type == "GN"
    assert cfg == {"model": {"depth": 50}}


def test_constructors_built_from_a_loaded_config_keep_attribute_access() -> None:
    from cnn_registry import Registry

    heads = Registry("heads_cfgdict", scope="t")

    @heads.register_module()
    class Head:
        def __init__(self, train_cfg: dict, stages: list) -> None:
            self.assigner = train_cfg.assigner.type  # OpenMMLab code reads nested cfgs by attribute
            self.first = stages[0].k
            train_cfg.pop("assigner")  # and may change its copy

    cfg = ConfigDict(type="Head", train_cfg={"assigner": {"type": "MaxIoU"}}, stages=[{"k": 3}])
    head = heads.build(cfg.copy())
    assert (head.assigner, head.first) == ("MaxIoU", 3)
    assert cfg.train_cfg.assigner.type == "MaxIoU"  # the caller's config is untouched
    plain = heads.build(dict(type="Head", train_cfg=ConfigDict(assigner={"type": "A"}), stages=[ConfigDict(k=1)]))
    assert plain.assigner == "A"

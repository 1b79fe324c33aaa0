"""mmengine's registry vocabulary: get() -> None, module_dict, split_scope_key, positional
register_module, nested scope keys, default scope, build_from_cfg(default_args=...), build_model_from_cfg."""

from __future__ import annotations

import threading

import pytest

from cnn_registry import (
    DefaultScope,
    Registry,
    UnknownTypeError,
    build_from_cfg,
    build_model_from_cfg,
    default_scope,
)


class Plain:
    def __init__(self, value: int = 0) -> None:
        self.value = value


class Other:
    def __init__(self, value: int = 0) -> None:
        self.value = value


def test_get_returns_none_for_a_missing_name_and_lookup_explains() -> None:
    reg = Registry("things", scope="t")
    reg.register_module(module=Plain)
    assert reg.get("Plain") is Plain
    assert reg.get("Plian") is None
    assert reg.get("nowhere.Plian") is None
    with pytest.raises(UnknownTypeError, match="Did you mean: 'Plain'"):
        reg.lookup("Plian")
    with pytest.raises(UnknownTypeError, match="Did you mean: 'Plain'"):
        reg["Plian"]
    assert reg["Plain"] is Plain
    with pytest.raises(UnknownTypeError, match="Did you mean: 'Plain'"):
        reg.build(dict(type="Plian"))


def test_module_dict_is_a_read_only_view() -> None:
    reg = Registry("things", scope="t")
    reg.register_module(name=["Plain", "Alias"], module=Plain)
    view = reg.module_dict
    assert dict(view) == {"Plain": Plain, "Alias": Plain}
    with pytest.raises(TypeError):
        view["Other"] = Other  # type: ignore[index]
    reg.register_module(module=Other)
    assert view["Other"] is Other  # a live view, not a copy


@pytest.mark.parametrize(
    ("key", "expected"),
    [("ResNet", (None, "ResNet")), ("mmdet.ResNet", ("mmdet", "ResNet")), ("a.b.Name", ("a", "b.Name"))],
)
def test_split_scope_key(key: str, expected: tuple[str | None, str]) -> None:
    assert Registry.split_scope_key(key) == expected


def test_register_module_positionally_as_mmengine_code_calls_it() -> None:
    reg = Registry("things", scope="t")
    assert reg.register_module("Named", False, Plain) is Plain
    assert reg.register_module(None, False, Other) is Other
    assert reg.get("Named") is Plain and reg.get("Other") is Other
    assert reg.register_module("Named", True, Other) is Other  # force, positionally
    assert reg.get("Named") is Other

    @reg.register_module("Decorated", True)
    class Decorated:
        pass

    assert reg.get("Decorated") is Decorated


def test_nested_scope_keys_walk_child_registries() -> None:
    root = Registry("models", scope="root_nested")
    mid = Registry("models", parent=root, scope="mid")
    leaf = Registry("models", parent=mid, scope="leaf")
    leaf.register_module(module=Plain)
    mid.register_module(module=Other)
    assert root.get("mid.leaf.Plain") is Plain
    assert root.get("leaf.Plain") is Plain  # a scope anywhere in the tree
    assert root.get("mid.leaf.Other") is Other  # the leaf falls back to its parent
    assert root.get("mid.Plain") is None  # a parent does not see its child's names
    with pytest.raises(UnknownTypeError, match=r"Searched: 'models' \(scope 'mid'\)"):
        root.lookup("mid.Plain")


def test_an_unknown_scope_prefix_falls_back_to_the_plain_name() -> None:
    root = Registry("backbones", scope="ours")
    root.register_module(module=Plain)
    assert root.get("mmdet.Plain") is Plain
    assert root.get("mmpretrain.Plain") is Plain
    assert root.get("mmdet.Nope") is None


def test_a_child_of_that_scope_wins_over_the_fallback() -> None:
    root = Registry("backbones", scope="ours_child")
    pretrain = Registry("backbones", parent=root, scope="mmpretrain")
    root.register_module(name="ResNet", module=Plain)
    pretrain.register_module(name="ResNet", module=Other)
    assert root.get("mmpretrain.ResNet") is Other
    assert root.get("mmdet.ResNet") is Plain  # no 'mmdet' child: the plain name
    assert root.get("ResNet") is Plain
    assert root.build(dict(type="mmpretrain.ResNet", value=3)).value == 3


def test_default_scope_looks_in_that_scopes_registry_first() -> None:
    root = Registry("backbones", scope="ours_default")
    pretrain = Registry("backbones", parent=root, scope="mmpretrain")
    root.register_module(name="ResNet", module=Plain)
    root.register_module(name="OnlyRoot", module=Plain)
    pretrain.register_module(name="ResNet", module=Other)
    assert isinstance(root.build(dict(type="ResNet")), Plain)
    with default_scope("mmpretrain"):
        assert isinstance(root.build(dict(type="ResNet")), Other)
        assert root.get("OnlyRoot") is Plain  # then the registry the lookup started from
        assert root.get("ours_default.ResNet") is Plain  # an explicit prefix wins
        with default_scope("mmdet"):  # no such registry: the usual search
            assert root.get("ResNet") is Plain
        assert DefaultScope.get_current_instance().scope_name == "mmpretrain"  # type: ignore[union-attr]
    assert DefaultScope.get_current_instance() is None
    assert isinstance(root.build(dict(type="ResNet")), Plain)


def test_default_scope_mmengine_spelling_and_thread_isolation() -> None:
    root = Registry("backbones", scope="ours_spelling")
    pretrain = Registry("backbones", parent=root, scope="mmpretrain")
    root.register_module(name="ResNet", module=Plain)
    pretrain.register_module(name="ResNet", module=Other)
    seen: list[object] = []
    with DefaultScope.overwrite_default_scope("mmpretrain"):
        assert root.get("ResNet") is Other
        thread = threading.Thread(target=lambda: seen.append(root.get("ResNet")))
        thread.start()
        thread.join()
    assert seen == [Plain]  # a new thread starts without the default scope
    with DefaultScope.overwrite_default_scope(None):
        assert root.get("ResNet") is Plain


def test_default_scope_get_instance_sets_it_until_changed() -> None:
    root = Registry("backbones", scope="ours_instance")
    pretrain = Registry("backbones", parent=root, scope="mmpretrain")
    pretrain.register_module(name="ResNet", module=Other)
    root.register_module(name="ResNet", module=Plain)

    def in_fresh_thread() -> None:
        DefaultScope.get_instance("task", scope_name="mmpretrain")
        seen.append(root.get("ResNet"))

    seen: list[object] = []
    thread = threading.Thread(target=in_fresh_thread)  # keeps the setting out of this thread
    thread.start()
    thread.join()
    assert seen == [Other]
    assert root.get("ResNet") is Plain


@pytest.mark.parametrize("bad", ["", "a.b", 3])
def test_default_scope_validates(bad: object) -> None:
    with pytest.raises(ValueError, match="scope_name must be"):
        default_scope(bad)  # type: ignore[arg-type]


def test_build_from_cfg_takes_default_args_by_keyword() -> None:
    reg = Registry("things", scope="t")
    reg.register_module(module=Plain)
    built = build_from_cfg(dict(type="Plain"), reg, default_args=dict(value=7))
    assert built.value == 7
    assert build_from_cfg(dict(type="Plain", value=1), reg, default_args=dict(value=7)).value == 1


def test_build_from_cfg_still_passes_constructor_arguments_named_like_its_own() -> None:
    def made(cfg: str, registry: str) -> tuple[str, str]:
        return cfg, registry

    reg = Registry("things", scope="t")
    reg.register_module(module=made)
    assert build_from_cfg(dict(type="made"), reg, None, cfg="c", registry="r") == ("c", "r")


def test_build_model_from_cfg_makes_a_sequential_of_a_list() -> None:
    nn = pytest.importorskip("torch.nn")
    models = Registry("models_seq", scope="t", build_func=build_model_from_cfg)
    models.register_module(name="Linear", module=nn.Linear)
    single = models.build(dict(type="Linear", in_features=2, out_features=3))
    assert type(single) is nn.Linear
    cfgs = [dict(type="Linear", out_features=3), dict(type="Linear", in_features=3, out_features=1)]
    seq = build_model_from_cfg(cfgs, models, default_args=dict(in_features=2))
    assert type(seq) is nn.Sequential
    assert [(m.in_features, m.out_features) for m in seq] == [(2, 3), (3, 1)]
    assert cfgs[0] == dict(type="Linear", out_features=3)


def test_scope_key_in_a_cfg_sets_the_default_scope_for_that_build_and_nested_ones() -> None:
    root = Registry("backbones", scope="ours_scope_key")
    pretrain = Registry("backbones", parent=root, scope="mmpretrain")
    root.register_module(name="ResNet", module=Plain)
    pretrain.register_module(name="ResNet", module=Other)

    def wrapper(inner: dict) -> object:
        return root.build(inner)

    root.register_module(module=wrapper)
    cfg = dict(type="wrapper", _scope_="mmpretrain", inner=dict(type="ResNet"))
    assert isinstance(root.build(cfg), Other)
    assert cfg["_scope_"] == "mmpretrain"  # the cfg is left as it was
    assert isinstance(root.build(dict(type="wrapper", inner=dict(type="ResNet"))), Plain)
    with pytest.raises(ValueError, match=r"cfg\['_scope_'\] must be a scope name such as 'mmdet', got 'a.b'"):
        root.build(dict(type="ResNet", _scope_="a.b"))


def test_switch_scope_and_registry_nests_and_restores() -> None:
    dogs = Registry("dogs", scope="dogs_switch")
    hounds = Registry("hounds", parent=dogs, scope="hound")
    samoyeds = Registry("samoyeds", parent=dogs, scope="samoyed")
    with dogs.switch_scope_and_registry("samoyed") as registry:
        assert registry is samoyeds
        assert DefaultScope.get_current_instance().scope_name == "samoyed"  # type: ignore[union-attr]
        with samoyeds.switch_scope_and_registry("hound") as inner:
            assert inner is hounds
            assert DefaultScope.get_current_instance().scope_name == "hound"  # type: ignore[union-attr]
        assert DefaultScope.get_current_instance().scope_name == "samoyed"  # type: ignore[union-attr]
    assert DefaultScope.get_current_instance() is None
    with hounds.switch_scope_and_registry("unknown") as registry:
        assert registry is hounds
        assert DefaultScope.get_current_instance().scope_name == "unknown"  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("scope", "error", "message"),
    [
        (3, TypeError, "scope must be None or a string, got int: 3"),
        ("", ValueError, "got ''"),
        ("a.b", ValueError, "without dots .* got 'a.b'"),
    ],
)
def test_registry_scope_must_be_a_plain_name(scope: object, error: type[Exception], message: str) -> None:
    with pytest.raises(error, match=message):
        Registry("x", scope=scope)  # type: ignore[arg-type]


def test_build_from_cfg_checks_the_registry() -> None:
    with pytest.raises(TypeError, match="registry must be a cnn_registry.Registry, got str: 'BACKBONES'"):
        build_from_cfg(dict(type="ResNet"), "BACKBONES")  # type: ignore[arg-type]


def test_constructor_arguments_in_mmengine_order() -> None:
    def build_twice(cfg, registry, default_args=None):  # type: ignore[no-untyped-def]
        return [build_from_cfg(cfg, registry, default_args) for _ in range(2)]

    parent = Registry("models", build_twice, None, "order_parent")
    child = Registry("models", None, parent, "order_child", ["nowhere_module_xyz"])
    assert (child.parent, child.scope, child.locations, child.build_func) == (
        parent,
        "order_child",
        ("nowhere_module_xyz",),
        build_twice,
    )
    child.register_module(module=Plain)
    assert len(child.build(dict(type="Plain"))) == 2

"""Registration, lookup, hierarchy and scopes."""

from __future__ import annotations

import pytest

from cnn_registry import AlreadyRegisteredError, DefaultScope, Registry, UnknownTypeError


class Plain:
    def __init__(self, value: int = 0) -> None:
        self.value = value


def test_decorator_with_and_without_parentheses_and_plain_call() -> None:
    reg = Registry("things", scope="t")

    @reg.register_module
    class Bare:
        pass

    @reg.register_module()
    class Called:
        pass

    def factory() -> str:
        return "made"

    assert reg.register_module(module=factory) is factory
    assert reg.get("Bare") is Bare
    assert reg.get("Called") is Called
    assert reg.get("factory") is factory
    assert sorted(reg) == ["Bare", "Called", "factory"]
    assert len(reg) == 3


def test_aliases_name_one_object() -> None:
    reg = Registry("things", scope="t")
    reg.register_module(name=["Conv2d", "Conv"], module=Plain)
    assert reg.get("Conv") is reg.get("Conv2d") is Plain
    assert "Conv" in reg
    assert "Conv3d" not in reg


def test_duplicate_name_raises_unless_forced() -> None:
    reg = Registry("things", scope="t")
    reg.register_module(name="X", module=Plain)

    class Other:
        pass

    with pytest.raises(AlreadyRegisteredError, match=r"'X' is already registered in 'things'.*force=True"):
        reg.register_module(name="X", module=Other)
    reg.register_module(name="X", module=Other, force=True)
    assert reg.get("X") is Other


def test_registering_the_same_object_twice_is_harmless() -> None:
    reg = Registry("things", scope="t")
    reg.register_module(module=Plain)
    reg.register_module(module=Plain)
    assert reg.get("Plain") is Plain


@pytest.mark.parametrize("bad", [3, "a string", {"type": "Plain"}])
def test_registering_a_non_callable_raises(bad: object) -> None:
    reg = Registry("things", scope="t")
    with pytest.raises(TypeError, match="registers classes and functions only"):
        reg.register_module(module=bad)


@pytest.mark.parametrize("name", [5, ["ok", 5], ""])
def test_bad_names_raise(name: object) -> None:
    reg = Registry("things", scope="t")
    with pytest.raises((TypeError, ValueError), match="name must"):
        reg.register_module(name=name, module=Plain)


def test_unknown_name_error_explains_everything() -> None:
    parent = Registry("models", scope="parent_scope")
    child = Registry("models", parent=parent, scope="child_scope")
    parent.register_module(name="ResNet", module=Plain)
    child.register_module(name="ResNeXt", module=Plain)
    with pytest.raises(UnknownTypeError) as info:
        child.lookup("Resnet")
    err = info.value
    assert isinstance(err, KeyError)
    message = str(err)
    assert "'Resnet' is not in the 'models' registry" in message
    assert "Searched: 'models' (scope 'child_scope') -> 'models' (scope 'parent_scope')" in message
    assert "Did you mean: 'ResNet', 'ResNeXt'?" in message or "Did you mean: 'ResNeXt', 'ResNet'?" in message
    assert "register_module()" in message
    assert "'child_scope.models'" in message  # the entry-point name to declare
    assert "\\n" not in message  # a readable multi-line message, not a KeyError repr
    assert set(err.candidates) == {"ResNet", "ResNeXt"}
    assert err.name == "Resnet"


def test_get_rejects_non_string_keys() -> None:
    with pytest.raises(TypeError, match="key must be a string"):
        Registry("things", scope="t").get(3)  # type: ignore[arg-type]


def test_child_falls_back_to_parent_but_not_the_reverse() -> None:
    parent = Registry("models", scope="mm")
    child = Registry("models", parent=parent, scope="myproj")
    parent.register_module(name="Base", module=Plain)

    class Local:
        pass

    child.register_module(module=Local)
    assert child.get("Base") is Plain
    assert "Local" not in parent
    assert child.root is parent
    assert parent.children == {"myproj": child}


def test_child_shadows_parent() -> None:
    parent = Registry("models", scope="mm")
    child = Registry("models", parent=parent, scope="myproj")

    class Mine:
        pass

    parent.register_module(name="Head", module=Plain)
    child.register_module(name="Head", module=Mine)
    assert child.get("Head") is Mine
    assert parent.get("Head") is Plain


def test_scoped_names_work_in_both_directions() -> None:
    root = Registry("models", scope="mm")
    det = Registry("models", parent=root, scope="det")
    cls = Registry("models", parent=root, scope="cls")

    class InDet:
        pass

    class InCls:
        pass

    det.register_module(module=InDet)
    cls.register_module(module=InCls)
    root.register_module(name="Shared", module=Plain)
    assert root.get("det.InDet") is InDet  # parent reaches a child's scope
    assert det.get("cls.InCls") is InCls  # a sibling through the tree
    assert cls.get("mm.Shared") is Plain  # a child names its parent's scope
    assert det.get("det.Shared") is Plain  # scoped lookup still falls back to ancestors
    with pytest.raises(UnknownTypeError, match="'det.InCls' is not in"):
        root.lookup("det.InCls")


@pytest.mark.parametrize("name", ["regnetx_3.2gf", ["Fine", "a.B"], ".lead", "trail."])
def test_a_name_with_a_dot_is_refused_at_registration(name: object) -> None:
    reg = Registry("archs", scope="a")
    with pytest.raises(ValueError, match=r"name '[^']*\.[^']*' contains a dot, which separates a scope"):
        reg.register_module(name=name, module=Plain)
    assert list(reg) == []  # nothing half-registered


def test_duplicate_child_scope_raises() -> None:
    root = Registry("models", scope="mm")
    Registry("models", parent=root, scope="x")
    with pytest.raises(ValueError, match="already has a child with scope 'x'"):
        Registry("models", parent=root, scope="x")


def test_scope_defaults_to_the_callers_package() -> None:
    assert Registry("things").scope == __name__.split(".")[0]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": ""}, "name must be a non-empty string"),
        ({"name": "x", "parent": "models"}, "parent must be a Registry"),
        ({"name": "x", "locations": "pkg.module"}, "locations must be a sequence"),
    ],
)
def test_constructor_validates(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(TypeError, match=message):
        Registry(**kwargs)  # type: ignore[arg-type]


def test_repr_is_a_table_of_names_and_origins() -> None:
    reg = Registry("things", scope="t")
    reg.register_module(name=["Plain", "Alias"], module=Plain)
    text = repr(reg)
    assert text.splitlines()[0] == "Registry(name='things', scope='t', 2 names)"
    assert f"Alias  {__name__}.Plain" in text


def test_force_must_be_bool() -> None:
    with pytest.raises(TypeError, match="force must be a bool"):
        Registry("x", scope="t").register_module(module=Plain, force="yes")  # type: ignore[call-overload]


def test_unregister_removes_one_name() -> None:
    reg = Registry("things", scope="t")
    reg.register_module(name=["Plain", "Alias"], module=Plain)
    assert reg.unregister("Alias") is Plain
    assert "Alias" not in reg
    assert reg.get("Plain") is Plain
    with pytest.raises(UnknownTypeError, match="'Alias' is not in the 'things' registry"):
        reg.unregister("Alias")


def test_temporary_registrations_are_undone_even_on_error() -> None:
    reg = Registry("things", scope="t")
    reg.register_module(module=Plain)

    class Replacement:
        pass

    def body() -> None:
        with reg.temporary_registrations():
            reg.register_module(name="Plain", module=Replacement, force=True)
            reg.register_module(name="Extra", module=Replacement)
            assert reg.get("Plain") is Replacement
            raise RuntimeError("test body failed")

    with pytest.raises(RuntimeError, match="test body failed"):
        body()
    assert reg.get("Plain") is Plain
    assert "Extra" not in reg


def test_lookup_rejects_non_string_keys() -> None:
    with pytest.raises(TypeError, match=r"key must be a string, got tuple: \('ResNet',\)"):
        Registry("things", scope="t").lookup(("ResNet",))  # type: ignore[arg-type]


def test_the_package_lists_its_lazily_imported_names() -> None:
    import cnn_registry

    names = dir(cnn_registry)
    assert {"load_config", "apply_overrides", "OverrideAction", "Registry"} <= set(names)
    assert names == sorted(names)


@pytest.mark.parametrize("scope_name", ["", "mm.det", 3])
def test_a_default_scope_name_must_be_a_plain_string(scope_name: object) -> None:
    with pytest.raises(ValueError, match=rf"scope_name must be a non-empty string without dots, got {scope_name!r}"):
        DefaultScope("task", scope_name)  # type: ignore[arg-type]


def test_a_default_scope_shows_its_names() -> None:
    assert repr(DefaultScope("task", "mmdet")) == "DefaultScope('task', scope_name='mmdet')"
    assert DefaultScope.get_current_instance() is None  # making one does not set it

"""build / build_from_cfg: arguments, defaults, non-mutation and errors."""

from __future__ import annotations

import copy

import pytest

from cnn_registry import BuildError, BuildKeyError, MissingTypeError, Registry, UnknownTypeError, build_from_cfg


class Layer:
    def __init__(self, in_channels: int, out_channels: int = 1, norm_cfg: dict | None = None, **extra: object) -> None:
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.norm_cfg = norm_cfg
        self.extra = extra
        if norm_cfg is not None:
            norm_cfg.pop("type", None)  # a careless constructor that mutates what it gets


@pytest.fixture
def layers() -> Registry:
    reg = Registry("layers", scope="test")
    reg.register_module(name=["Layer", "Alias"], module=Layer)
    return reg


def test_builds_with_cfg_keys_defaults_args_and_kwargs(layers: Registry) -> None:
    obj = layers.build(dict(type="Alias", out_channels=4), 3, default_args=dict(out_channels=9, flag=True), mode="x")
    assert (obj.in_channels, obj.out_channels, obj.extra) == (3, 4, {"flag": True, "mode": "x"})


def test_type_may_be_a_class_or_a_callable(layers: Registry) -> None:
    assert isinstance(layers.build(dict(type=Layer, in_channels=2)), Layer)
    assert layers.build(dict(type=lambda k: k * 2, k=21)) == 42


def test_type_may_come_from_default_args(layers: Registry) -> None:
    assert layers.build(dict(in_channels=1), default_args=dict(type="Layer")).in_channels == 1


def test_the_callers_dicts_are_never_mutated(layers: Registry) -> None:
    cfg = dict(type="Layer", in_channels=3, norm_cfg=dict(type="BN", eps=1e-5), nested=[dict(a=1)])
    defaults = dict(more=dict(type="X"))
    before, defaults_before = copy.deepcopy(cfg), copy.deepcopy(defaults)
    obj = layers.build(cfg, default_args=defaults)
    assert obj.norm_cfg == dict(eps=1e-5)  # the constructor popped from its own copy
    assert cfg == before
    assert defaults == defaults_before


def test_build_from_cfg_equals_registry_build(layers: Registry) -> None:
    obj = build_from_cfg(dict(type="Layer", in_channels=5), layers, dict(out_channels=7))
    assert (obj.in_channels, obj.out_channels) == (5, 7)


@pytest.mark.parametrize("cfg", [None, ["Layer"], "Layer", 3])
def test_cfg_must_be_a_mapping(layers: Registry, cfg: object) -> None:
    with pytest.raises(TypeError, match="cfg must be a mapping"):
        layers.build(cfg)  # type: ignore[arg-type]


def test_default_args_must_be_a_mapping(layers: Registry) -> None:
    with pytest.raises(TypeError, match="default_args must be a mapping"):
        layers.build(dict(type="Layer"), default_args=[1])  # type: ignore[arg-type]


def test_missing_type_is_a_key_error_that_says_so(layers: Registry) -> None:
    with pytest.raises(MissingTypeError, match="cfg must contain the key 'type'") as info:
        layers.build(dict(in_channels=3))
    assert isinstance(info.value, KeyError)


def test_bad_type_value(layers: Registry) -> None:
    with pytest.raises(TypeError, match=r"cfg\['type'\] must be a registered name, a class or a callable"):
        layers.build(dict(type=3))


def test_unknown_type_raises_the_registry_error(layers: Registry) -> None:
    with pytest.raises(UnknownTypeError, match="Did you mean: 'Layer'"):
        layers.build(dict(type="Layr"))


def test_argument_given_twice_is_an_error(layers: Registry) -> None:
    with pytest.raises(TypeError, match=r"argument\(s\) \['out_channels'\] given both in cfg"):
        layers.build(dict(type="Layer", in_channels=1, out_channels=2), out_channels=3)


def test_constructor_errors_keep_their_type_and_name_the_cfg(layers: Registry) -> None:
    class Picky:
        def __init__(self, depth: int) -> None:
            if depth not in (18, 50):
                raise ValueError(f"depth must be 18 or 50, got {depth}")

    layers.register_module(module=Picky)
    with pytest.raises(ValueError, match=r"Picky .* failed to build from cfg \{'type': 'Picky', 'depth': 3\}") as info:
        layers.build(dict(type="Picky", depth=3))
    assert isinstance(info.value.__cause__, ValueError)
    assert "depth must be 18 or 50, got 3" in str(info.value)


def test_unexpected_keyword_suggests_the_right_one(layers: Registry) -> None:
    class Net:
        def __init__(self, depth: int = 50, num_stages: int = 4) -> None:
            pass

    layers.register_module(module=Net)
    with pytest.raises(TypeError) as info:
        layers.build(dict(type="Net", dpeth=101))
    assert "accepted arguments: depth, num_stages" in str(info.value)
    assert "did you mean 'depth' instead of 'dpeth'?" in str(info.value)


def test_key_errors_from_constructors_stay_key_errors_and_readable(layers: Registry) -> None:
    def needs_key(table: dict) -> object:
        return table["missing"]

    layers.register_module(module=needs_key)
    with pytest.raises(BuildKeyError) as info:
        layers.build(dict(type="needs_key", table={}))
    assert isinstance(info.value, KeyError)
    assert str(info.value).startswith("needs_key (from ")
    assert str(info.value).endswith("KeyError: 'missing'")


def test_exceptions_with_unusual_constructors_keep_their_type(layers: Registry) -> None:
    class OddError(Exception):
        def __init__(self, code: int, detail: str) -> None:
            super().__init__(f"{code}: {detail}")
            self.code = code

    def explode() -> None:
        raise OddError(7, "boom")

    layers.register_module(module=explode)
    with pytest.raises(OddError, match="explode .* failed to build .*7: boom") as info:
        layers.build(dict(type="explode"))
    assert info.value.code == 7
    assert isinstance(info.value.__cause__, OddError)


def test_exceptions_whose_str_ignores_the_message_become_build_errors(layers: Registry) -> None:
    class Opaque(Exception):
        def __str__(self) -> str:
            return "opaque"

    def explode() -> None:
        raise Opaque()

    layers.register_module(module=explode, name="explode_opaque")
    with pytest.raises(BuildError, match="explode .* failed to build .*opaque") as info:
        layers.build(dict(type="explode_opaque"))
    assert isinstance(info.value.__cause__, Opaque)


def test_custom_build_func_is_used_and_inherited() -> None:
    calls = []

    def build_twice(cfg, registry, default_args=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(cfg["type"])
        return [build_from_cfg(cfg, registry, default_args, *args, **kwargs) for _ in range(2)]

    parent = Registry("models", scope="p", build_func=build_twice)
    child = Registry("models", parent=parent, scope="c")
    child.register_module(module=Layer)
    built = child.build(dict(type="Layer", in_channels=1))
    assert len(built) == 2 and all(isinstance(b, Layer) for b in built)
    assert calls == ["Layer"]
    assert child.build_func is build_twice


def test_nested_build_errors_name_the_path(layers: Registry) -> None:
    class Outer:
        def __init__(self, inner: dict) -> None:
            self.inner = layers.build(inner)

    layers.register_module(module=Outer)
    with pytest.raises(UnknownTypeError) as info:
        layers.build(dict(type="Outer", inner=dict(type="Nope")))
    assert "'Nope' is not in the 'layers' registry" in str(info.value)


class Base:
    def __init__(self, depth: int, num_stages: int = 4, norm_eval: bool = True) -> None:
        self.depth = depth


class Grouped(Base):
    def __init__(self, groups: int = 1, base_width: int = 4, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]


class Forwarding(Base):
    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]


class Explicit(Base):
    def __init__(self, depth: int, groups: int = 1, **kwargs: object) -> None:
        super().__init__(depth, **kwargs)  # type: ignore[arg-type]


class Wrapper:
    def __init__(self, backbone: dict, registry: Registry, head_channels: int = 8) -> None:
        self.backbone = registry.build(backbone)


class CallsSomethingElse:
    def __init__(self, width: int = 1) -> None:
        Base(depth=1, widht=width)  # type: ignore[call-arg]  # a bug inside the constructor


@pytest.fixture
def family() -> Registry:
    reg = Registry("family", scope="test")
    for cls in (Grouped, Forwarding, Explicit, Wrapper, CallsSomethingElse):
        reg.register_module(module=cls)
    return reg


def test_accepted_arguments_include_the_inherited_ones(family: Registry) -> None:
    with pytest.raises(TypeError) as info:
        family.build(dict(type="Grouped", dpeth=1))
    assert "accepted arguments: groups, base_width, depth, num_stages, norm_eval;" in str(info.value)
    assert "did you mean 'depth' instead of 'dpeth'?" in str(info.value)


def test_a_class_that_only_forwards_kwargs_lists_its_parents_arguments(family: Registry) -> None:
    with pytest.raises(TypeError) as info:
        family.build(dict(type="Forwarding", depth=50, contract_dilation=True))
    assert "accepted arguments: depth, num_stages, norm_eval" in str(info.value)


def test_a_nested_build_error_does_not_append_the_outer_list(family: Registry) -> None:
    with pytest.raises(TypeError) as info:
        family.build(dict(type="Wrapper", registry=family, backbone=dict(type="Grouped", dpeth=1)))
    message = str(info.value)
    assert message.count("accepted arguments") == 1
    assert "accepted arguments: groups, base_width, depth, num_stages, norm_eval;" in message
    assert "head_channels" not in message


def test_an_argument_refused_inside_the_constructor_lists_nothing(family: Registry) -> None:
    with pytest.raises(TypeError) as info:
        family.build(dict(type="CallsSomethingElse"))
    assert "unexpected keyword argument 'widht'" in str(info.value)
    assert "accepted arguments" not in str(info.value)  # width would be the wrong list to show


def test_a_missing_argument_points_at_the_misspelt_key(family: Registry) -> None:
    with pytest.raises(TypeError) as info:
        family.build(dict(type="Explicit", dpeth=1, groups=2))
    message = str(info.value)
    assert "missing 1 required positional argument: 'depth'" in message
    assert "accepted arguments: depth, groups, num_stages, norm_eval;" in message
    assert "did you mean 'depth' instead of 'dpeth'?" in message


def test_sets_in_the_cfg_are_copied_too(layers: Registry) -> None:
    cfg = dict(type="Layer", in_channels=1, tags={"a", ("b", "c")})
    obj = layers.build(cfg)
    assert obj.extra["tags"] == {"a", ("b", "c")}
    obj.extra["tags"].add("mutated")
    assert cfg["tags"] == {"a", ("b", "c")}


def test_a_function_refusing_a_keyword_lists_its_arguments(layers: Registry) -> None:
    def make_layer(depth: int = 1, *, width: int = 2) -> tuple[int, int]:
        return depth, width

    layers.register_module(module=make_layer)
    with pytest.raises(TypeError) as info:
        layers.build(dict(type="make_layer", dpeth=3))
    assert "accepted arguments: depth, width; did you mean 'depth' instead of 'dpeth'?" in str(info.value)


def test_exceptions_that_cannot_be_recreated_become_build_errors(layers: Registry) -> None:
    class NeedsCode(Exception):
        def __new__(cls, code: int) -> NeedsCode:
            return super().__new__(cls, code)

    class NeedsKey(KeyError):
        def __new__(cls, key: str) -> NeedsKey:
            return super().__new__(cls, key)

    def explode() -> None:
        raise NeedsCode(7)

    def missing() -> None:
        raise NeedsKey("depth")

    layers.register_module(module=explode, name="explode_new")
    layers.register_module(module=missing, name="missing_new")
    with pytest.raises(BuildError, match=r"explode \(from .*\) failed to build from cfg .*: 7") as info:
        layers.build(dict(type="explode_new"))
    assert isinstance(info.value.__cause__, NeedsCode)
    with pytest.raises(BuildKeyError, match=r"missing \(from .*\) failed to build .*'depth'"):
        layers.build(dict(type="missing_new"))

"""Lazy registration: locations imported on the first miss, and entry points of installed distributions."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

import cnn_registry
from cnn_registry import Registry, UnknownTypeError

REGISTRY_SRC = str(Path(cnn_registry.__file__).parents[1])


def test_locations_are_imported_on_the_first_miss_only(make_module: Callable[[str], str]) -> None:
    reg = Registry("lazy_things", scope="lazy_a")
    host = make_module("")  # a module the location can import the registry from
    importlib.import_module(host).REG = reg  # type: ignore[attr-defined]
    location = make_module(
        f"""
        import {host}
        IMPORTS = getattr({host}, 'IMPORTS', 0) + 1
        {host}.IMPORTS = IMPORTS

        @{host}.REG.register_module()
        class Far:
            pass
        """
    )
    reg.locations = (location,)
    assert location not in sys.modules
    assert reg.get("Far").__module__ == location
    assert "Other" not in reg  # a second miss imports nothing again
    assert sys.modules[host].IMPORTS == 1  # type: ignore[attr-defined]


def test_listing_imports_lazy_sources(make_module: Callable[[str], str]) -> None:
    host = make_module("")
    reg = Registry("lazy_list", scope="lazy_b")
    importlib.import_module(host).REG = reg  # type: ignore[attr-defined]
    location = make_module(f"import {host}\n{host}.REG.register_module(name='Listed', module=dict)\n")
    reg.locations = (location,)
    assert list(reg) == ["Listed"]


def test_a_broken_location_warns_and_is_named_in_the_error(make_module: Callable[[str], str]) -> None:
    broken = make_module("raise RuntimeError('plugin is broken')\n")
    reg = Registry("lazy_broken", scope="lazy_c", locations=[broken])
    with pytest.warns(RuntimeWarning, match="plugin is broken"), pytest.raises(UnknownTypeError) as info:
        reg.lookup("Anything")
    message = str(info.value)
    assert f"Lazily imported: {broken} (locations)" in message
    assert "Imports that failed" in message and "plugin is broken" in message


@pytest.mark.parametrize(
    "failure",
    ["raise SystemExit(2)", "import sys; sys.exit('usage: plugin [-h]')", "raise GeneratorExit()"],
)
def test_a_plugin_raising_a_non_exception_warns_and_the_next_one_still_loads(
    make_module: Callable[[str], str], failure: str
) -> None:
    """A plugin that exits at import time (argparse) must not hide the plugins after it."""
    host = make_module("")
    reg = Registry("lazy_exit", scope="lazy_exit")
    importlib.import_module(host).REG = reg  # type: ignore[attr-defined]
    exiting = make_module(failure + "\n")
    good = make_module(f"import {host}\n{host}.REG.register_module(name='Working', module=dict)\n")
    reg.locations = (exiting, good)
    with pytest.warns(RuntimeWarning, match=rf"{exiting} \(locations\) failed to import: \w+"):
        assert reg.lookup("Working") is dict
    assert reg.get("Missing") is None
    with pytest.raises(UnknownTypeError) as info:
        reg.lookup("Missing")
    assert f"Imports that failed: {exiting} (locations) failed to import" in str(info.value)
    assert f"{good} (locations)" in str(info.value)


def test_keyboard_interrupt_in_a_plugin_is_not_swallowed(make_module: Callable[[str], str]) -> None:
    interrupted = make_module("raise KeyboardInterrupt\n")
    reg = Registry("lazy_interrupt", scope="lazy_interrupt", locations=[interrupted])
    with pytest.raises(KeyboardInterrupt):
        reg.get("Anything")


def test_concurrent_first_lookups_import_the_location_once(make_module: Callable[[str], str]) -> None:
    host = make_module("IMPORTS = 0\n")
    reg = Registry("lazy_threads", scope="lazy_d")
    importlib.import_module(host).REG = reg  # type: ignore[attr-defined]
    location = make_module(
        f"""
        import time
        import {host}
        {host}.IMPORTS += 1
        time.sleep(0.05)  # widen the window in which other threads could race in

        @{host}.REG.register_module()
        class Slow:
            pass
        """
    )
    reg.locations = (location,)
    found: list[object] = []
    errors: list[BaseException] = []
    barrier = threading.Barrier(16)

    def look() -> None:
        barrier.wait()
        try:
            found.append(reg.lookup("Slow"))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=look) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(found) == 16 and len({id(f) for f in found}) == 1
    assert sys.modules[host].IMPORTS == 1  # type: ignore[attr-defined]


def test_entry_point_of_an_installed_distribution_is_found(tmp_path: Path, wheel_builder: Callable[..., Path]) -> None:
    """A real wheel, installed by pip, declares a module for the registry 'host_scope.widgets'."""
    host_dir = tmp_path / "host"
    host_dir.mkdir()
    (host_dir / "host_pkg.py").write_text(
        "from cnn_registry import Registry\nWIDGETS = Registry('widgets', scope='host_scope')\n"
    )
    wheel = wheel_builder(
        tmp_path,
        "tiny_widgets",
        files={
            "tiny_widgets/__init__.py": "",
            "tiny_widgets/gadgets.py": """
                from host_pkg import WIDGETS

                @WIDGETS.register_module()
                class Gadget:
                    def __init__(self, size=1):
                        self.size = size
            """,
        },
        entry_points="""
            [cnn_registry]
            host_scope.widgets = tiny_widgets.gadgets
        """,
    )
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-index",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
    )
    script = textwrap.dedent(
        """
        import sys
        import host_pkg
        assert 'tiny_widgets.gadgets' not in sys.modules
        gadget = host_pkg.WIDGETS.build(dict(type='Gadget', size=3))
        print(type(gadget).__module__, gadget.size, sorted(host_pkg.WIDGETS))
        """
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(host_dir), str(target), REGISTRY_SRC])}
    out = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["tiny_widgets.gadgets", "3", "['Gadget']"]

    missing = textwrap.dedent(
        """
        import host_pkg
        try:
            host_pkg.WIDGETS.lookup('Gizmo')
        except KeyError as err:
            print(err)
        """
    )
    out = subprocess.run([sys.executable, "-c", missing], env=env, capture_output=True, text=True, check=True)
    assert "Lazily imported: tiny_widgets.gadgets (entry point of tiny_widgets)" in out.stdout


def test_many_threads_register_and_build_at_once() -> None:
    reg = Registry("busy", scope="threads")
    errors: list[BaseException] = []
    barrier = threading.Barrier(32)

    def work(i: int) -> None:
        barrier.wait()
        try:
            cls = type(f"T{i}", (), {"__init__": lambda self, v=i: setattr(self, "v", v)})
            reg.register_module(module=cls)
            for j in range(i + 1):
                assert reg.build(dict(type=f"T{j}")).v == j if f"T{j}" in reg else True
            assert reg.build(dict(type=f"T{i}")).v == i
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(32)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sorted(reg) == sorted(f"T{i}" for i in range(32))


def test_concurrent_duplicate_registration_lets_exactly_one_win() -> None:
    reg = Registry("race", scope="threads")
    outcomes: list[str] = []
    barrier = threading.Barrier(16)

    def work(i: int) -> None:
        cls = type("Same", (), {})
        barrier.wait()
        try:
            reg.register_module(module=cls)
            outcomes.append("won")
        except KeyError:
            outcomes.append("lost")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("won") == 1 and outcomes.count("lost") == 15


def test_importing_cnn_registry_imports_nothing_heavy() -> None:
    heavy = "('torch', 'numpy', 'typing', 'inspect')"
    script = f"import sys, cnn_registry; print(sorted(m for m in {heavy} if m in sys.modules))"
    env = {**os.environ, "PYTHONPATH": REGISTRY_SRC}
    out = subprocess.run([sys.executable, "-S", "-c", script], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"

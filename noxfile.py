"""Every job of cnn-toolkit: `nox` runs what CI runs; `nox -l` lists the sessions.

Each test session installs only what it names into a fresh venv: a package,
its declared dependencies and the test tools, so a missing dependency fails
here and not on a user's machine.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
from pathlib import Path

import nox

if sys.version_info >= (3, 11):
    import tomllib
else:  # nox itself depends on tomli on Python 3.10
    import tomli as tomllib

ROOT = Path(__file__).parent
PACKAGES = ROOT / "packages"
DIST = ROOT / "dist"
REPORTS = ROOT / "reports"

PYTHONS = ["3.10", "3.11", "3.12", "3.13"]
DEFAULT_PYTHON = "3.11"
TORCH = "torch==2.13.0"  # the CPU build; the default for every torch session
PEER_TORCH = ["torch==2.14.1", "torchvision==0.29.1", "timm"]  # the pair PyPI's torchvision works with
# pip and hatchling: some tests build a plugin distribution and install it, as a user would.
TEST_TOOLS = ["pytest>=8", "pytest-timeout>=2.3", "hypothesis>=6.100", "numpy>=1.26", "pip", "hatchling"]
# Extras each package's own tests exercise (the code under them skips cleanly without).
TEST_EXTRAS = {"cnn-registry": ["yaml", "toml"], "cnn-zoo": ["safetensors", "hf"], "cnn-models": ["demo"]}
# uv when it is installed (`pip install 'nox[uv]'`): a torch venv in 2 s instead of 23 s.
# uv does not read pip's configuration; a find-links folder set for pip (where a machine keeps
# its torch builds) is passed on so both installers see the same wheels.
nox.options.default_venv_backend = "uv|venv"
if os.environ.get("PIP_FIND_LINKS") and not os.environ.get("UV_FIND_LINKS"):
    os.environ["UV_FIND_LINKS"] = os.environ["PIP_FIND_LINKS"]
nox.options.sessions = [
    "check",
    "lint",
    "typecheck",
    "registry",
    "tests",
    "integration",
    "build",
    "docs",
    "peers",
    "cuda",
]


# --------------------------------------------------------------- the packages
def _metadata(dist: str) -> dict:
    return tomllib.loads((PACKAGES / dist / "pyproject.toml").read_text())["project"]


def _distributions() -> list[str]:
    """All distributions, dependencies first."""
    order: list[str] = []

    def visit(dist: str) -> None:
        if dist not in order:
            for dep in _internal_deps(dist):
                visit(dep)
            order.append(dist)

    for path in sorted(PACKAGES.glob("*/pyproject.toml")):
        visit(path.parent.name)
    return order


def _requirement_name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0]


def _internal_deps(dist: str) -> list[str]:
    return [n for r in _metadata(dist).get("dependencies", []) if (n := _requirement_name(r)).startswith("cnn-")]


def _closure(dist: str) -> list[str]:
    """``dist`` and every internal package it needs, dependencies first."""
    needed: set[str] = set()

    def visit(name: str) -> None:
        if name not in needed:
            needed.add(name)
            for dep in _internal_deps(name):
                visit(dep)

    visit(dist)
    return [d for d in _distributions() if d in needed]


def _needs_torch(dists: list[str]) -> bool:
    return any(_requirement_name(r) == "torch" for d in dists for r in _metadata(d).get("dependencies", []))


def _local(dist: str, extras: list[str] | None = None) -> str:
    suffix = f"[{','.join(extras)}]" if extras else ""
    return f"{PACKAGES / dist}{suffix}"


def _fast(session: nox.Session) -> list[str]:
    """pip without byte-compiling torch's 15,000 modules: 8 s instead of 23 s (uv never compiles)."""
    return [] if session.venv_backend == "uv" else ["--no-compile"]


def _install(session: nox.Session, dists: list[str], *, torch: list[str] | None = None, extras: bool = True) -> None:
    """Install ``dists`` from their folders with an exact torch, so no other build is ever picked."""
    pins = (torch or [TORCH]) if _needs_torch(dists) else []
    specs = [_local(d, TEST_EXTRAS.get(d) if extras else None) for d in dists]
    session.install(*_fast(session), *specs, *pins)


def _pytest(session: nox.Session, *args: str) -> None:
    REPORTS.mkdir(exist_ok=True)
    report = REPORTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', session.name)}.xml"
    session.run("python", "-m", "pytest", f"--junitxml={report}", *args, *session.posargs)


# -------------------------------------------------------------------- checks
@nox.session(python=False)
def check(session: nox.Session) -> None:
    """One version everywhere, every internal pin `==` it, and cnn-registry with no dependencies."""
    problems = []
    versions = {d: _metadata(d)["version"] for d in _distributions()}
    if len(set(versions.values())) != 1:
        problems.append(f"versions differ: {versions}")
    version = next(iter(versions.values()))
    for dist in versions:
        for requirement in _metadata(dist).get("dependencies", []):
            name = _requirement_name(requirement)
            if name.startswith("cnn-") and requirement.replace(" ", "") != f"{name}=={version}":
                problems.append(f"{dist}: {requirement!r} must be pinned as '{name}=={version}'")
    if _metadata("cnn-registry").get("dependencies"):
        problems.append(f"cnn-registry must have no dependencies, has {_metadata('cnn-registry')['dependencies']}")
    for dist in versions:
        init = PACKAGES / dist / "src" / dist.replace("-", "_") / "__init__.py"
        found = re.search(r'^__version__ = "([^"]+)"', init.read_text(), re.M)
        if not found or found.group(1) != version:
            problems.append(f"{init.relative_to(ROOT)}: __version__ must be {version!r}")
    if problems:
        session.error("\n".join(problems))
    session.log(f"{len(versions)} packages at {version}, every internal pin exact")


@nox.session(python=False)
def bump(session: nox.Session) -> None:
    """Set every package's version and internal pin: `nox -s bump -- 0.2.0`."""
    if len(session.posargs) != 1 or not re.fullmatch(r"\d+\.\d+\.\d+([ab]|rc)?\d*", session.posargs[0]):
        session.error("usage: nox -s bump -- X.Y.Z (a PEP 440 release such as 0.2.0)")
    new = session.posargs[0]
    names = "|".join(re.escape(d) for d in _distributions())
    for dist in _distributions():
        pyproject = PACKAGES / dist / "pyproject.toml"
        text = re.sub(r'^version = "[^"]+"', f'version = "{new}"', pyproject.read_text(), count=1, flags=re.M)
        text = re.sub(rf'"({names})(\[[^\]]*\])?\s*==\s*[^";]+', rf'"\1\2=={new}', text)
        pyproject.write_text(text)
        init = PACKAGES / dist / "src" / dist.replace("-", "_") / "__init__.py"
        init.write_text(re.sub(r'^__version__ = "[^"]+"', f'__version__ = "{new}"', init.read_text(), flags=re.M))
    session.log(f"every package is now {new}")
    check(session)


@nox.session(python=DEFAULT_PYTHON)
def lint(session: nox.Session) -> None:
    """ruff check and ruff format --check over the whole tree."""
    session.install("ruff>=0.6")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session(python=DEFAULT_PYTHON)
def typecheck(session: nox.Session) -> None:
    """mypy: strict for cnn-registry, checked-untyped-defs for the rest."""
    _install(session, _distributions(), extras=False)
    session.install("mypy>=1.10")
    session.run("mypy", "--strict", "packages/cnn-registry/src/cnn_registry")
    session.run("mypy", *[str(p) for p in sorted(PACKAGES.glob("*/src/*")) if p.is_dir()])


# --------------------------------------------------------------------- tests
@nox.session(python=PYTHONS)
def registry(session: nox.Session) -> None:
    """cnn-registry alone on every supported Python: no torch may be installed."""
    _install(session, ["cnn-registry"])
    session.install(*TEST_TOOLS)
    session.run("python", "-c", "import importlib.util, sys; sys.exit(importlib.util.find_spec('torch') is not None)")
    _pytest(session, "tests/cnn_registry")


@nox.session(python=DEFAULT_PYTHON)
@nox.parametrize("dist", [d for d in _distributions() if d != "cnn-registry"])
def tests(session: nox.Session, dist: str) -> None:
    """One package's tests with only that package and its declared dependencies installed."""
    _install(session, _closure(dist))
    session.install(*TEST_TOOLS)
    _pytest(session, f"tests/{dist.replace('-', '_')}")


@nox.session(python=DEFAULT_PYTHON)
def integration(session: nox.Session) -> None:
    """Tests that need several packages, with every package installed."""
    _install(session, _distributions())
    session.install(*TEST_TOOLS)
    _pytest(session, "tests/integration")


@nox.session(python=DEFAULT_PYTHON, venv_backend="venv")  # pip: it sees the machine's torch 2.14.1 pair
def peers(session: nox.Session) -> None:
    """Tests marked `peer`: numbers checked against torchvision and timm (torch 2.14.1)."""
    _install(session, _distributions(), torch=PEER_TORCH)
    session.install(*TEST_TOOLS)
    _pytest(session, "tests", "-m", "peer")


@nox.session(python=DEFAULT_PYTHON, venv_backend="venv")
def cuda(session: nox.Session) -> None:
    """Tests marked `gpu`, on a machine with a CUDA device; skipped with a message elsewhere."""
    if shutil.which("nvidia-smi") is None:
        session.skip("no CUDA device here (nvidia-smi not found): the `gpu` tests need one")
    session.install("torch")  # PyPI's default build carries CUDA
    _install(session, _distributions(), torch=["torch"])
    session.install(*TEST_TOOLS)
    session.run("python", "-c", "import sys, torch; sys.exit(not torch.cuda.is_available())")
    _pytest(session, "tests", "-m", "gpu")


# ----------------------------------------------------------------- packaging
@nox.session(python=DEFAULT_PYTHON)
def build(session: nox.Session) -> None:
    """Build every wheel into dist/, then install each alone in a fresh venv from dist/ only."""
    session.install("hatch")
    shutil.rmtree(DIST, ignore_errors=True)
    # hatch's own data directory per run: a build environment left half-made by an
    # interrupted run elsewhere on the machine must not break this one.
    # nox's UV_PYTHON would send the uv inside hatch to this session's venv instead of hatch's own.
    hatch_env = {"HATCH_DATA_DIR": str(Path(session.create_tmp()).resolve() / "hatch")}
    hatch_env |= {"UV_PYTHON": None, "UV_PROJECT_ENVIRONMENT": None}
    for dist in _distributions():
        session.chdir(PACKAGES / dist)
        session.run("hatch", "build", "--target", "wheel", "--target", "sdist", str(DIST), env=hatch_env)
    session.chdir(ROOT)
    session.log("built: " + ", ".join(sorted(p.name for p in DIST.iterdir())))
    for dist in _distributions():
        _install_wheel_alone(session, dist)


def _install_wheel_alone(session: nox.Session, dist: str) -> None:
    """A fresh venv holding one wheel and what it declares; internal pins resolve to dist/ only."""
    venv = Path(session.create_tmp()).resolve() / f"only-{dist}"
    shutil.rmtree(venv, ignore_errors=True)
    python = str(venv / ("Scripts" if os.name == "nt" else "bin") / "python")
    uv = shutil.which("uv", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    if uv:
        session.run(uv, "venv", "--quiet", "--python", str(Path(session.bin) / "python"), str(venv), external=True)
        install = [uv, "pip", "install", "--quiet", "--python", python]
        check = [uv, "pip", "check", "--python", python]
    else:
        session.run("python", "-m", "venv", str(venv), silent=True)
        install = [python, "-m", "pip", "install", "--quiet", "--no-compile"]
        check = [python, "-m", "pip", "check"]
    external = sorted(
        {r for d in _closure(dist) for r in _metadata(d).get("dependencies", []) if not r.startswith("cnn-")}
    )
    if external:
        session.run(*install, *external, *([TORCH] if _needs_torch([dist]) else []), external=True)
    wheel = next(DIST.glob(f"{dist.replace('-', '_')}-*.whl"))
    # --no-index: the internal == pins must resolve to the wheels just built, never to PyPI.
    session.run(*install, "--no-index", "--find-links", str(DIST), str(wheel), external=True)
    session.run(*check, external=True)
    module = dist.replace("-", "_")
    probe = (
        f"import importlib.util, sys; import {module}; "
        f"print({module}.__name__, {module}.__version__, 'torch imported' if 'torch' in sys.modules else 'no torch')"
    )
    if dist == "cnn-registry":
        probe += "; assert importlib.util.find_spec('torch') is None and 'torch' not in sys.modules"
    session.run(python, "-c", probe, external=True)


# ------------------------------------------------------------ docs, demo, bench
@nox.session(python=DEFAULT_PYTHON)
def docs(session: nox.Session) -> None:
    """A strict build of the documentation site into site/."""
    session.install("mkdocs>=1.6", "mkdocs-material>=9.5", "mkdocstrings[python]>=0.26")
    session.run("mkdocs", "build", "--strict", "--site-dir", "site")


@nox.session(python=DEFAULT_PYTHON)
def demo(session: nox.Session) -> None:
    """The main job: train the seed classifier on the digits and reload it (`cnn demo`)."""
    _install(session, _closure("cnn-models"))  # with the [demo] extra: scikit-learn's digits
    out = Path(session.create_tmp()).resolve() / "cnn-demo"
    session.run("cnn", "demo", "--out", str(out), *session.posargs)


@nox.session(python=DEFAULT_PYTHON, venv_backend="venv")
def bench(session: nox.Session) -> None:
    """Every benchmark in benchmarks/, against torchvision/timm/mmengine in the same run."""
    _install(session, _distributions(), torch=PEER_TORCH)
    session.install("numpy", "requests", "mmengine")
    scripts = sorted(p for p in (ROOT / "benchmarks").glob("*.py") if not p.name.startswith("_"))
    wanted = set(session.posargs)
    for script in scripts:
        if not wanted or script.stem in wanted:
            session.run("python", str(script))


def _summary() -> dict[str, int]:
    """Totals over the junit reports of every pytest session run so far."""
    totals = {"passed": 0, "failed": 0, "skipped": 0}
    import xml.etree.ElementTree as ET

    for report in sorted(REPORTS.glob("*.xml")):
        for suite in ET.parse(report).getroot().iter("testsuite"):
            tests, failures = int(suite.get("tests", 0)), int(suite.get("failures", 0)) + int(suite.get("errors", 0))
            skipped = int(suite.get("skipped", 0))
            totals["passed"] += tests - failures - skipped
            totals["failed"] += failures
            totals["skipped"] += skipped
    return totals


if __name__ == "__main__":  # `python noxfile.py`: the totals line .ci/run prints last
    counts = _summary()
    print(f"tests: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")

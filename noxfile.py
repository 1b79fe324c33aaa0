"""Every job of cnn-toolkit: `nox` runs what CI runs; `nox -l` lists the sessions.

Each test session installs only what it names into a fresh venv: a package,
its declared dependencies and the test tools, so a missing dependency fails
here and not on a user's machine.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
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
# OpenMMLab, for the drop-in tests: what installs beside torch 2.14.1 from the registry.
OPENMMLAB = ["mmengine>=0.10", "mmcv-lite==2.1.*", "mmpretrain==1.2.*"]
# The ends of the matrix the packages claim (`torch>=2.4`, `requires-python>=3.10`). Both run every
# package's tests in one venv each, peers included. uv fetches these builds from the registry (several
# GB of CUDA wheels each) into its cache once; later runs copy them from there.
# torch 2.4's inductor imports setuptools (for its C++ builds) without declaring it; 2.5 on do not need it.
FLOOR = {"python": "3.10", "torch": ["torch==2.4.0", "torchvision==0.19.0", "timm", "setuptools"]}
# The newest torch/torchvision the registry serves (2026-11-30); `uv pip compile` on "torch torchvision"
# tells when to move it.
NEWEST = {"python": "3.13", "torch": ["torch==2.15.0", "torchvision==0.29.2", "timm"]}
# pip and hatchling: some tests build a plugin distribution and install it, as a user would.
TEST_TOOLS = [
    "pytest>=8", "pytest-timeout>=2.3", "pytest-xdist>=3.5", "hypothesis>=6.100", "numpy>=1.26", "pip", "hatchling",
]  # fmt: skip
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
    "floor",
    "newest",
    "build",
    "publish",
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


def _install(
    session: nox.Session,
    dists: list[str],
    *,
    torch: list[str] | None = None,
    extras: bool = True,
    env: dict[str, str] | None = None,
) -> None:
    """Install ``dists`` from their folders with an exact torch, so no other build is ever picked."""
    pins = (torch or [TORCH]) if _needs_torch(dists) else []
    specs = [_local(d, TEST_EXTRAS.get(d) if extras else None) for d in dists]
    session.install(*_fast(session), *specs, *pins, env=env)


def _pytest(session: nox.Session, *args: str, workers: int = 2) -> None:
    """pytest with a junit report; ``workers`` processes (pytest-xdist) share the tests."""
    REPORTS.mkdir(exist_ok=True)
    report = REPORTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '_', session.name)}.xml"
    parallel = ["-n", str(workers), "--dist", "loadgroup"] if workers > 1 else []
    session.run("python", "-m", "pytest", f"--junitxml={report}", *parallel, *args, *session.posargs)


def _doctests(*dists: str) -> list[str]:
    """pytest arguments that also run every docstring example of the installed ``dists``."""
    return ["--doctest-modules", "--pyargs", *[d.replace("-", "_") for d in dists]]


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
    _pytest(session, "tests/cnn_registry", *_doctests("cnn-registry"), workers=1)


@nox.session(python=DEFAULT_PYTHON)
@nox.parametrize("dist", [d for d in _distributions() if d != "cnn-registry"])
def tests(session: nox.Session, dist: str) -> None:
    """One package's tests with only that package and its declared dependencies installed."""
    _install(session, _closure(dist))
    session.install(*TEST_TOOLS)
    _pytest(session, f"tests/{dist.replace('-', '_')}", *_doctests(dist))


@nox.session(python=DEFAULT_PYTHON)
def integration(session: nox.Session) -> None:
    """Tests that need several packages, with every package installed."""
    _install(session, _distributions())
    session.install(*TEST_TOOLS)
    _pytest(session, "tests/integration")


def _cell(session: nox.Session, torch: list[str]) -> None:
    """Every package and every test (peers too) in one venv: one end of the torch x Python matrix."""
    _install(session, _distributions(), torch=torch)
    session.install(*TEST_TOOLS)
    session.run(
        "python", "-c", "import sys, torch; print('python', sys.version.split()[0], 'torch', torch.__version__)"
    )
    _pytest(session, "tests", *_doctests(*_distributions()))


@nox.session(python=FLOOR["python"])
def floor(session: nox.Session) -> None:
    """The oldest Python and torch the packages declare, with torchvision and timm: every test."""
    _cell(session, FLOOR["torch"])


@nox.session(python=NEWEST["python"])
def newest(session: nox.Session) -> None:
    """The newest Python with the newest torch and torchvision the registry serves: every test."""
    _cell(session, NEWEST["torch"])


@nox.session(python=DEFAULT_PYTHON)
def peers(session: nox.Session) -> None:
    """Tests marked `peer`: numbers checked against torchvision, timm and OpenMMLab (torch 2.14.1)."""
    env = _pip_indexes_for_uv(session)
    _install(session, _distributions(), torch=PEER_TORCH, env=env)
    session.install(*TEST_TOOLS, *OPENMMLAB, env=env)
    # mmdet 3.3 pins an mmcv with compiled ops; mmcv-lite has none, so mmdet comes without its pins
    session.install("--no-deps", "mmdet==3.3.*", env=env)
    _pytest(session, "tests", "-m", "peer")


def _pip_indexes_for_uv(session: nox.Session) -> dict[str, str]:
    """pip's extra indexes, for uv, which reads no pip configuration, searched as pip searches them.

    A machine may keep big builds (torch 2.14.1 and its CUDA libraries) in a local index that
    only pip's configuration names; with it, uv installs them from disk in seconds instead of
    downloading gigabytes.
    """
    if session.venv_backend != "uv" or os.environ.get("UV_EXTRA_INDEX_URL"):
        return {}
    urls = os.environ.get("PIP_EXTRA_INDEX_URL")
    if not urls:
        found = subprocess.run(
            [sys.executable, "-m", "pip", "config", "get", "global.extra-index-url"],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        urls = found.stdout.strip() if found.returncode == 0 else ""
    return {"UV_EXTRA_INDEX_URL": " ".join(urls.split()), "UV_INDEX_STRATEGY": "unsafe-best-match"} if urls else {}


@nox.session(python=DEFAULT_PYTHON, venv_backend="venv")
def cuda(session: nox.Session) -> None:
    """Tests marked `gpu` on a CUDA machine: SyncBN and DDP over nccl, DCN, autocast, compile; skipped elsewhere."""
    if shutil.which("nvidia-smi") is None:
        session.skip("no CUDA device here (nvidia-smi not found): the `gpu` tests need one")
    # PyPI's default builds carry CUDA; torchvision for the deformable convolutions
    _install(session, _distributions(), torch=["torch", "torchvision"])
    session.install(*TEST_TOOLS)
    session.run("python", "-c", "import sys, torch; sys.exit(not torch.cuda.is_available())")
    _pytest(session, "tests", "-m", "gpu")


# ----------------------------------------------------------------- packaging
@nox.session(python=DEFAULT_PYTHON)
def build(session: nox.Session) -> None:
    """Build every wheel and sdist into dist/ (`nox -s publish` then installs them from an index)."""
    session.install("hatch")
    shutil.rmtree(DIST, ignore_errors=True)
    env = _hatch_env(session)  # before chdir: create_tmp makes its folder below the working directory
    for dist in _distributions():
        session.chdir(PACKAGES / dist)
        session.run("hatch", "build", "--target", "wheel", "--target", "sdist", str(DIST), env=env)
    session.chdir(ROOT)
    session.log("built: " + ", ".join(sorted(p.name for p in DIST.iterdir())))


def _hatch_env(session: nox.Session) -> dict[str, str | None]:
    # hatch's own data directory per run: a build environment left half-made by an
    # interrupted run elsewhere on the machine must not break this one.
    # nox's UV_PYTHON would send the uv inside hatch to this session's venv instead of hatch's own.
    return {
        "HATCH_DATA_DIR": str(Path(session.create_tmp()).resolve() / "hatch"),
        "UV_PYTHON": None,
        "UV_PROJECT_ENVIRONMENT": None,
    }


@nox.session(python=DEFAULT_PYTHON)
def publish(session: nox.Session) -> None:
    """Upload dist/ to a package index, then install every distribution from it by name.

    `nox -s publish` starts a real index (pypiserver) on 127.0.0.1 and checks the whole path:
    all 14 artifacts upload; a second upload of the same version is refused; each distribution
    installs alone by name and version in a fresh venv, bringing exactly its pinned closure
    even though the index also holds other versions of our packages; `pip check` is clean; and
    each sdist builds the very wheel that was uploaded. `nox -s publish -- --repository URL`
    uploads dist/ to URL instead (credentials from TWINE_USERNAME / TWINE_PASSWORD).
    """
    artifacts = sorted(DIST.glob("*.whl")) + sorted(DIST.glob("*.tar.gz"))
    if len(artifacts) != 2 * len(_distributions()):
        session.error(
            f"dist/ holds {len(artifacts)} artifacts, expected a wheel and an sdist of each: run `nox -s build`"
        )
    session.install("twine>=5")
    session.run("twine", "check", "--strict", *map(str, artifacts))
    if session.posargs:
        if len(session.posargs) != 2 or session.posargs[0] != "--repository":
            session.error("usage: nox -s publish -- --repository URL")
        session.run(
            "twine", "upload", "--non-interactive", "--repository-url", session.posargs[1], *map(str, artifacts)
        )
        return
    tmp = Path(session.create_tmp()).resolve()
    version = _metadata("cnn-registry")["version"]
    with LocalIndex(session, tmp / "index") as index:
        upload = ["twine", "upload", "--non-interactive", "--repository-url", index.upload_url, "-u", "ci", "-p", "ci"]
        session.run(*upload, *map(str, artifacts))
        again = session.run(*upload, "--verbose", str(artifacts[0]), success_codes=[0, 1], silent=True) or ""
        if "already exists" not in again:
            session.error(f"the index did not refuse a second upload of {artifacts[0].name}:\n{again}")
        session.log(
            f"the index refused a second upload of {artifacts[0].name} ('already exists'), as a public one does"
        )
        # Other versions of an internal package on the same index must never be picked.
        decoys = [_decoy_wheel(session, "cnn-bundles", v, tmp / "decoys") for v in ("0.0.9", "99.0.0")]
        session.run(*upload, *map(str, decoys))
        for dist in _distributions():
            _install_from_index(session, dist, version, index.simple_url, tmp / f"from-index-{dist}")
    for sdist in sorted(DIST.glob("*.tar.gz")):
        rebuilt = tmp / "from-sdist" / sdist.name.removesuffix(".tar.gz")
        session.run(_uv(), "build", "--quiet", "--wheel", "--out-dir", str(rebuilt), str(sdist), external=True)
        (wheel,) = rebuilt.glob("*.whl")
        if wheel_contents(wheel) != wheel_contents(DIST / wheel.name):
            session.error(f"{sdist.name} builds a wheel that differs from dist/{wheel.name}")
    session.log(f"each of the {len(_distributions())} sdists builds the same wheel as dist/")


class LocalIndex:
    """A pypiserver on 127.0.0.1 in its own venv, serving a fresh folder; stopped on exit."""

    def __init__(self, session: nox.Session, root: Path) -> None:
        self.session, self.root = session, root

    def __enter__(self) -> LocalIndex:
        import socket
        import time
        import urllib.request

        shutil.rmtree(self.root, ignore_errors=True)
        (self.root / "packages").mkdir(parents=True)
        venv = self.root / "venv"
        self.session.run(
            _uv(), "venv", "--quiet", "--python", str(Path(self.session.bin) / "python"), str(venv), external=True
        )
        python = str(venv / "bin" / "python")
        self.session.run(_uv(), "pip", "install", "--quiet", "--python", python, "pypiserver>=2", external=True)
        with socket.socket() as probe:  # a free port
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        # -a . -P .: no authentication; --disable-fallback: a name it lacks is a 404, never a redirect elsewhere
        command = [python, "-m", "pypiserver", "run", "-i", "127.0.0.1", "-p", str(port), "-a", ".", "-P", ".",
                   "--disable-fallback", str(self.root / "packages")]  # fmt: skip
        self.log = (self.root / "server.log").open("w")
        self.server = subprocess.Popen(command, stdout=self.log, stderr=subprocess.STDOUT)
        self.upload_url = f"http://127.0.0.1:{port}/"
        self.simple_url = f"http://127.0.0.1:{port}/simple/"
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(self.simple_url, timeout=2).close()
                break
            except OSError:
                if self.server.poll() is not None or time.monotonic() > deadline:
                    self.__exit__()
                    self.session.error(f"the index did not start: {(self.root / 'server.log').read_text()}")
                time.sleep(0.2)
        self.session.log(f"package index (pypiserver) at {self.simple_url}")
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.server.terminate()
        self.server.wait(timeout=30)
        self.log.close()


def wheel_contents(wheel: Path) -> dict[str, str]:
    """Each member of a wheel and the SHA-256 of its bytes: equal for two builds of the same source."""
    import hashlib
    import zipfile

    with zipfile.ZipFile(wheel) as archive:
        return {name: hashlib.sha256(archive.read(name)).hexdigest() for name in archive.namelist()}


def _uv() -> str:
    uv = shutil.which("uv", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    if uv is None:
        raise RuntimeError("uv not found: install nox with its uv extra, `pip install 'nox[uv]'`")
    return uv


def _decoy_wheel(session: nox.Session, dist: str, version: str, out: Path) -> Path:
    """A wheel of ``dist`` at another ``version``, such as an index may hold from another release."""
    project = out / f"{dist}-{version}"
    module = project / "src" / dist.replace("-", "_")
    module.mkdir(parents=True, exist_ok=True)
    (module / "__init__.py").write_text(f'__version__ = "{version}"\n')
    (project / "pyproject.toml").write_text(
        f'[project]\nname = "{dist}"\nversion = "{version}"\n'
        '[build-system]\nrequires = ["hatchling"]\nbuild-backend = "hatchling.build"\n'
    )
    session.run(_uv(), "build", "--quiet", "--wheel", "--out-dir", str(out), str(project), external=True)
    return next(out.glob(f"{dist.replace('-', '_')}-{version}-*.whl"))


def _install_from_index(session: nox.Session, dist: str, version: str, index_url: str, venv: Path) -> None:
    """A fresh venv, ``dist==version`` by name: our packages from the index, the rest from the registry."""
    uv = _uv()
    shutil.rmtree(venv, ignore_errors=True)
    session.run(uv, "venv", "--quiet", "--python", str(Path(session.bin) / "python"), str(venv), external=True)
    python = str(venv / ("Scripts" if os.name == "nt" else "bin") / "python")
    # uv asks an --extra-index-url before the default index and takes a name from the first index that has
    # it, so a same-named package elsewhere can never stand in for ours. torch is held to the CPU build.
    constraints = venv / "constraints.txt"
    constraints.write_text(TORCH + "\n")
    session.run(
        uv, "pip", "install", "--quiet", "--python", python, "--extra-index-url", index_url,
        "--constraint", str(constraints), f"{dist}=={version}", external=True,
    )  # fmt: skip
    session.run(uv, "pip", "check", "--python", python, external=True)
    listed = subprocess.run([uv, "pip", "list", "--python", python, "--format", "json"], capture_output=True, text=True)
    installed = {p["name"]: p["version"] for p in json.loads(listed.stdout)}
    ours = {name: v for name, v in installed.items() if name.startswith("cnn-")}
    expected = dict.fromkeys(_closure(dist), version)
    if ours != expected:
        session.error(f"installing {dist}=={version} brought {ours}, expected exactly {expected}")
    if dist == "cnn-registry" and set(installed) != {"cnn-registry"}:
        session.error(f"cnn-registry must bring nothing else, brought {sorted(installed)}")
    module = dist.replace("-", "_")
    probe = f"import sys, {module}; assert {module}.__version__ == {version!r}; print({module}.__name__, {version!r})"
    if dist == "cnn-registry":
        probe += "; assert 'torch' not in sys.modules"
    session.run(python, "-c", probe, external=True)


# ------------------------------------------------------------ docs, demo, bench
@nox.session(python=DEFAULT_PYTHON)
def docs(session: nox.Session) -> None:
    """A strict build of the documentation site into site/."""
    session.install("mkdocs>=1.6", "mkdocs-material>=9.5", "mkdocstrings[python]>=0.26")
    session.run("mkdocs", "build", "--strict", "--site-dir", "site")


@nox.session(python=DEFAULT_PYTHON)
def demo(session: nox.Session) -> None:
    """The main job: train the digits classifier and reload it (`cnn demo`)."""
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

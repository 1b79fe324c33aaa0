"""Start-up time of the command-line tools, against the import of torch itself, each in fresh interpreters.

    python benchmarks/startup.py [--runs 7] [--name torchvision://resnet50]

Each command runs in a new interpreter, as a user runs it (``cnn-zoo --help``,
``cnn-zoo resolve NAME``, ``cnn-zoo list``, ``cnn --help``; their console-script
entry points are called the way the installed scripts call them), and the wall
time of the whole process is taken, interpreter start-up included. For
reference: ``python -c pass`` (the interpreter alone) and ``python -c "import
torch"``. The table gives the median and fastest time over ``--runs`` fresh
processes, whether the command imported torch, and the ratio to importing torch.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from importlib.metadata import entry_points

RUN_ENTRY_POINT = """
import atexit, importlib, sys
atexit.register(lambda: sys.stderr.write("\\nTORCH_IMPORTED=%s\\n" % ("torch" in sys.modules)))
module, _, function = {target!r}.partition(":")
sys.argv = {argv!r}
sys.exit(getattr(importlib.import_module(module), function)())
"""

REPORT_TORCH = """
import atexit, sys
atexit.register(lambda: sys.stderr.write("\\nTORCH_IMPORTED=%s\\n" % ("torch" in sys.modules)))
{code}
"""


def script_command(script: str, *args: str) -> list[str]:
    """``python -c`` calling the console script's entry point, so that torch's presence can be reported."""
    found = [e for e in entry_points(group="console_scripts") if e.name == script]
    if not found:
        raise SystemExit(f"{script} is not installed in {sys.prefix}: pip install the package that provides it")
    return [sys.executable, "-c", RUN_ENTRY_POINT.format(target=found[0].value, argv=[script, *args])]


def measure(command: list[str], runs: int) -> tuple[list[float], bool]:
    times, imported_torch = [], False
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONWARNINGS": "ignore"})
        times.append(time.perf_counter() - start)
        if done.returncode != 0:
            raise SystemExit(f"{command[-1][:200]!r} failed ({done.returncode}):\n{done.stderr[-2000:]}")
        imported_torch = "TORCH_IMPORTED=True" in done.stderr
    return times, imported_torch


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per command")
    parser.add_argument("--name", default="torchvision://resnet50", help="the name given to `cnn-zoo resolve`")
    args = parser.parse_args()
    commands = {
        "`python -c pass` (the interpreter alone)": [sys.executable, "-c", REPORT_TORCH.format(code="pass")],
        '`python -c "import torch"`': [sys.executable, "-c", REPORT_TORCH.format(code="import torch")],
        "`cnn-zoo --help`": script_command("cnn-zoo", "--help"),
        f"`cnn-zoo resolve {args.name}`": script_command("cnn-zoo", "resolve", args.name),
        "`cnn-zoo list`": script_command("cnn-zoo", "list"),
        "`cnn --help`": script_command("cnn", "--help"),
    }
    results = {label: measure(command, args.runs) for label, command in commands.items()}
    torch_median = statistics.median(results['`python -c "import torch"`'][0])
    print(
        f"Python {sys.version.split()[0]}, {args.runs} fresh processes per command, "
        f"load average {os.getloadavg()[0]:.1f}\n"
    )
    print("| command | median (s) | fastest (s) | imports torch | × import torch |")
    print("|---|---:|---:|---|---:|")
    for label, (times, imported_torch) in results.items():
        median = statistics.median(times)
        print(
            f"| {label} | {median:.3f} | {min(times):.3f} | {'yes' if imported_torch else 'no'} | "
            f"{median / torch_median:.3f} |"
        )


if __name__ == "__main__":
    main()

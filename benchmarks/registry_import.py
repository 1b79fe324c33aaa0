"""Import time of cnn_registry beside mmengine.registry, each in fresh interpreters.

    python benchmarks/registry_import.py [--runs 21]

Each run starts a new interpreter and times ``import <module>`` inside it
(after interpreter start-up), and counts the modules the import loaded.
Prints a markdown table with medians and the ratio to cnn_registry.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys

PROBE = """
import sys, time
before = set(sys.modules)
start = time.perf_counter()
import {module}
elapsed = time.perf_counter() - start
print(elapsed * 1000, len(set(sys.modules) - before), 'torch' in sys.modules)
"""

MODULES = ["cnn_registry", "mmengine.registry"]


def measure(module: str, runs: int) -> dict[str, float]:
    times, loaded, torch = [], 0, False
    for _ in range(runs):
        probe = [sys.executable, "-c", PROBE.format(module=module)]
        out = subprocess.run(probe, capture_output=True, text=True, check=True)
        ms, count, has_torch = out.stdout.split()
        times.append(float(ms))
        loaded, torch = int(count), has_torch == "True"
    return {"median_ms": statistics.median(times), "min_ms": min(times), "modules": loaded, "torch": torch}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    args = parser.parse_args()
    results = {}
    for module in MODULES:
        if importlib.util.find_spec(module.split(".")[0]) is None:
            print(f"skipping {module}: not installed (pip install {module.split('.')[0]})", file=sys.stderr)
            continue
        results[module] = measure(module, args.runs)
    if args.json:
        print(json.dumps(results, indent=2))
        return
    base = results["cnn_registry"]["median_ms"]
    print(f"Python {sys.version.split()[0]}, {args.runs} fresh interpreters per module\n")
    print("| module | median import (ms) | fastest (ms) | modules loaded | imports torch | × cnn_registry |")
    print("|---|---:|---:|---:|---|---:|")
    for module, r in results.items():
        print(
            f"| `{module}` | {r['median_ms']:.1f} | {r['min_ms']:.1f} | {r['modules']} | "
            f"{'yes' if r['torch'] else 'no'} | {r['median_ms'] / base:.1f}× |"
        )


if __name__ == "__main__":
    main()

"""Best-of-N timing of several functions that take turns, and the ratio table the docs quote.

Imported by the benchmark scripts beside it (``python benchmarks/<name>.py`` puts this folder on
``sys.path``); its leading underscore keeps ``nox -s bench`` from running it as a benchmark.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any


def best_seconds(fns: Sequence[Callable[[], Any]], runs: int) -> tuple[list[float], list[float]]:
    """Best wall time and best CPU time of each function; they take turns so drift hits all alike.

    The best run is the least disturbed by other load. On a shared machine the
    process's CPU time is steadier still: time spent waiting for a core is not in it.
    """
    wall: list[list[float]] = [[] for _ in fns]
    cpu: list[list[float]] = [[] for _ in fns]
    for _ in range(runs):
        for fn, wall_bucket, cpu_bucket in zip(fns, wall, cpu, strict=True):
            start, start_cpu = time.perf_counter(), time.process_time()
            result = fn()
            cpu_bucket.append(time.process_time() - start_cpu)
            wall_bucket.append(time.perf_counter() - start)
            del result  # a built model is freed outside the timed region
    return [min(bucket) for bucket in wall], [min(bucket) for bucket in cpu]


def print_ratio_table(
    what: str, peer: str, names: Sequence[str], seconds: list[float], cpu_seconds: list[float]
) -> None:
    """A Markdown table of wall and CPU times and their ratios to the first row, ``peer``'s."""
    print(f"| {what} | wall (ms) | ratio to {peer} | CPU (ms) | CPU ratio to {peer} |")
    print("|---|---|---|---|---|")
    for name, value, cpu in zip(names, seconds, cpu_seconds, strict=True):
        print(
            f"| {name} | {value * 1e3:.0f} | {value / seconds[0]:.2f} | {cpu * 1e3:.1f} | {cpu / cpu_seconds[0]:.3f} |"
        )

"""Download throughput on loopback: cnn_zoo.download vs a plain ``requests`` stream.

    python benchmarks/zoo_download.py [--mb 100] [--repeats 5]

A separate process (``python -m http.server``) serves one file of random bytes
named ``blob-<sha256 prefix>.bin``. ``cnn_zoo.download`` fetches it into an empty
cache each time: streaming, SHA256 while writing, file lock, temporary file and
rename. The peer streams it with ``requests.get(stream=True)`` into a file in
1 MiB chunks and does nothing else. Prints a markdown table.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from cnn_zoo import download


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(url: str) -> None:
    for _ in range(100):
        try:
            requests.head(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError(f"the server at {url} did not start")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=100, help="file size in MB")
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        www = root / "www"
        www.mkdir()
        data = os.urandom(args.mb * 1_000_000)
        name = f"blob-{hashlib.sha256(data).hexdigest()[:8]}.bin"
        (www / name).write_bytes(data)
        os.link(www / name, www / "blob.bin")  # the same bytes under a name without a digest
        del data
        port = free_port()
        server = subprocess.Popen(
            [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1", "--directory", str(www)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}/{name}"
        try:
            wait_for(url)

            def ours(target: str = url) -> float:
                cache = root / "cache"
                start = time.perf_counter()
                download(target, cache, progress=False)
                elapsed = time.perf_counter() - start
                shutil.rmtree(cache)
                return elapsed

            def plain() -> float:
                out = root / "plain.bin"
                start = time.perf_counter()
                with requests.get(url, stream=True, timeout=(10, 60)) as response, open(out, "wb") as f:
                    response.raise_for_status()
                    for chunk in response.iter_content(chunk_size=1 << 20):
                        f.write(chunk)
                elapsed = time.perf_counter() - start
                out.unlink()
                return elapsed

            def unverified() -> float:
                return ours(url.replace(name, "blob.bin"))

            ours(), plain()  # warm up
            t_ours, t_plain, t_unverified = [], [], []
            runs = ((plain, t_plain), (ours, t_ours), (unverified, t_unverified))
            for i in range(args.repeats):  # interleaved, order alternating
                for fn, times in runs[:: 1 if i % 2 else -1]:
                    times.append(fn())
        finally:
            server.terminate()
            server.wait()
    mb = args.mb
    plain_rate, ours_rate = mb / statistics.median(t_plain), mb / statistics.median(t_ours)
    unverified_rate = mb / statistics.median(t_unverified)
    print(f"{mb} MB over loopback from `python -m http.server` (separate process), median of {args.repeats}\n")
    print("| client | MB/s | × plain |")
    print("|---|---:|---:|")
    print(f"| plain `requests` stream, 1 MiB chunks, no checks (peer) | {plain_rate:.0f} | 1.00× |")
    rows = [
        ("`cnn_zoo.download`, hashed name (SHA256, lock, temp file + rename)", ours_rate),
        ("`cnn_zoo.download`, name without a digest (lock, temp file + rename)", unverified_rate),
    ]
    for label, rate in rows:
        print(f"| {label} | {rate:.0f} | {rate / plain_rate:.2f}× |")


if __name__ == "__main__":
    main()

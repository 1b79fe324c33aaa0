"""Started by test_download.py in several processes at once: download one URL, print its SHA256.

    python load_worker.py URL BARRIER_DIR COUNT

Each process imports cnn_zoo first (not torch: the cache needs none), then waits at a
file-system barrier until all COUNT processes are ready, so that they ask for the URL
at the same moment.
"""

import hashlib
import os
import sys
import time
from pathlib import Path

from cnn_zoo import download

url, barrier, count = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
(barrier / str(os.getpid())).touch()
deadline = time.monotonic() + 120
while len(list(barrier.iterdir())) < count:
    if time.monotonic() > deadline:
        sys.exit("the other workers never arrived at the barrier")
    time.sleep(0.01)
path = download(url)
print(hashlib.sha256(path.read_bytes()).hexdigest(), "torch" in sys.modules)

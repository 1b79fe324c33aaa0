"""Started by test_download.py in several processes at once: load one URL, print a digest of its weights.

    python load_worker.py URL BARRIER_DIR COUNT

Each process imports everything first, then waits at a file-system barrier until
all COUNT processes are ready, so that they ask for the URL at the same moment.
"""

import os
import sys
import time
from pathlib import Path

import torch

from cnn_zoo import read_checkpoint

url, barrier, count = sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])
(barrier / str(os.getpid())).touch()
deadline = time.monotonic() + 120
while len(list(barrier.iterdir())) < count:
    if time.monotonic() > deadline:
        sys.exit("the other workers never arrived at the barrier")
    time.sleep(0.01)
checkpoint = read_checkpoint(url)
print(float(sum(v.double().sum() for v in checkpoint.values() if isinstance(v, torch.Tensor))))

"""Started by test_hf.py with HF_ENDPOINT pointing at the test server: load an hf:// checkpoint."""

import sys

from cnn_zoo import read_checkpoint

checkpoint = read_checkpoint(sys.argv[1])
print(sorted(checkpoint), float(checkpoint["weight"].sum()))

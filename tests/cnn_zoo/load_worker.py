"""Started by test_download.py in several processes at once: load one URL, print a digest of its weights."""

import sys

import torch

from cnn_zoo import read_checkpoint

checkpoint = read_checkpoint(sys.argv[1])
print(float(sum(v.double().sum() for v in checkpoint.values() if isinstance(v, torch.Tensor))))

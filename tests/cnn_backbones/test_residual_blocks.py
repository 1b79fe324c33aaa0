"""The residual blocks' arguments and stochastic depth: what each block refuses, and a dropped residual branch."""

from __future__ import annotations

import pytest
import torch

from cnn_backbones import BasicBlock, Bottleneck, ResLayer, SimplifiedBasicBlock
from cnn_backbones.residual_blocks import make_drop_path

PLUGIN = dict(cfg=dict(type="ContextBlock", ratio=1.0), position="after_conv3")


@pytest.mark.parametrize(
    ("build", "error", "match"),
    [
        (lambda: BasicBlock(8, 8, plugins=[PLUGIN]), ValueError, r"plugins=\[.*\]: BasicBlock takes no plugins"),
        (lambda: SimplifiedBasicBlock(8, 8, dcn=dict(type="DCN")), ValueError, r"dcn=.*SimplifiedBasicBlock takes no"),
        (lambda: SimplifiedBasicBlock(8, 8, with_cp=True), ValueError, r"with_cp=True: SimplifiedBasicBlock does not"),
        (
            lambda: Bottleneck(64, 16, dcn=dict(type="DCN"), conv_cfg=dict(type="Conv2d")),
            ValueError,
            r"dcn=\{'type': 'DCN'\} with conv_cfg=\{'type': 'Conv2d'\}: a deformable conv needs conv_cfg=None",
        ),
        (lambda: Bottleneck(64, 16, plugins=[PLUGIN, "ContextBlock"]), TypeError, r"plugins\[1\]='ContextBlock'"),
        (lambda: Bottleneck(64, 16, drop_path_rate=1.0), ValueError, r"drop_path_rate=1.0: expected a probability"),
        (
            lambda: ResLayer(Bottleneck, 64, 16, 3, drop_path_rate=[0.1, 0.2]),
            ValueError,
            r"drop_path_rate=\[0.1, 0.2\]: expected one rate or 3, one per block",
        ),
    ],
)
def test_bad_block_arguments_are_named(build, error, match):
    with pytest.raises(error, match=match):
        build()


def test_drop_path_drops_whole_residual_branches_in_training_only():
    torch.manual_seed(0)
    block, plain = Bottleneck(8, 2, drop_path_rate=0.5), Bottleneck(8, 2)
    plain.load_state_dict(block.state_dict())
    x = torch.rand(16, 8, 4, 4)
    with torch.no_grad():
        assert torch.equal(block.eval()(x), plain.eval()(x))  # eval: the whole block, every sample
        out = block.train()(x)
    dropped = [torch.equal(out[i], torch.relu(x[i])) for i in range(len(x))]
    assert 0 < sum(dropped) < len(x)  # some samples kept only their shortcut, the others their whole block
    assert make_drop_path(0.0) is None

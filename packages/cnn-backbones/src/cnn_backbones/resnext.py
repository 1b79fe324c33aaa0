"""ResNeXt (Xie et al., 2017): ResNet whose 3x3 convs are split into ``groups`` paths."""

from __future__ import annotations

from typing import Any, ClassVar

from .registry import BACKBONES
from .residual_blocks import BasicBlock, Bottleneck
from .resnet import ResNet, StageSpec


@BACKBONES.register_module()
class ResNeXt(ResNet):
    """ResNeXt backbone: ResNet with grouped bottlenecks.

    The 3x3 conv of a stage with ``planes`` base channels has
    ``planes * base_width // base_channels * groups`` channels in ``groups`` groups, so
    ``groups=32, base_width=4`` is ResNeXt-50 (32x4d) and ``groups=32, base_width=8`` with
    ``depth=101`` is torchvision's ``resnext101_32x8d``.

    Args:
        depth: 50, 101 or 152.
        groups: Cardinality (number of groups of the 3x3 convs).
        base_width: Channels per group in the first stage.
        width_per_group: mmpretrain's name for ``base_width``.
        **kwargs: Any other ``ResNet`` argument.

    Example:
        >>> import torch
        >>> model = ResNeXt(depth=50, groups=32, base_width=4, out_indices=(3,)).eval()
        >>> model.layer1[0].conv2
        Conv2d(128, 128, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), groups=32, bias=False)
        >>> model(torch.rand(1, 3, 32, 32))[0].shape
        torch.Size([1, 2048, 1, 1])
    """

    arch_settings: ClassVar[dict[int, tuple[type[Bottleneck], tuple[int, ...]]]] = {
        50: (Bottleneck, (3, 4, 6, 3)),
        101: (Bottleneck, (3, 4, 23, 3)),
        152: (Bottleneck, (3, 8, 36, 3)),
    }

    def __init__(
        self, depth: int, groups: int = 1, base_width: int = 4, width_per_group: int | None = None, **kwargs: Any
    ) -> None:
        if width_per_group is not None:
            if base_width not in (4, width_per_group):
                raise ValueError(
                    f"base_width={base_width!r} and width_per_group={width_per_group!r}: "
                    "they name the same thing (mmdet's and mmpretrain's word); give one"
                )
            base_width = width_per_group
        if not isinstance(groups, int) or groups < 1:
            raise ValueError(f"groups={groups!r}: expected a positive int")
        if not isinstance(base_width, int) or base_width < 1:
            raise ValueError(f"base_width={base_width!r}: expected a positive int")
        self.groups = groups
        self.base_width = base_width
        super().__init__(depth, **kwargs)

    def stage_specs(self, depth: int) -> tuple[type[BasicBlock] | type[Bottleneck], list[StageSpec]]:
        """ResNet's stages, each block grouped."""
        block, specs = super().stage_specs(depth)
        args = dict(groups=self.groups, base_width=self.base_width, base_channels=self.base_channels)
        return block, [StageSpec(s.planes, s.num_blocks, args) for s in specs]

"""BaseBackbone: what every backbone shares (out_indices, frozen stages, norm_eval, feature info, init, stem hooks).

A backbone builds its stem with ``make_stem_layer``, its stages, then calls ``set_stages`` with
the channels and strides of every stage. The base class checks ``out_indices`` and
``frozen_stages`` against them, states ``out_channels``/``out_strides``, freezes what is frozen
and keeps it frozen (and batch norms in eval mode with ``norm_eval``) across ``train()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

import torch
import torch.nn as nn
from torch.nn.modules.batchnorm import _BatchNorm
from torch.nn.modules.conv import _ConvNd
from torch.nn.modules.pooling import _AvgPoolNd, _MaxPoolNd

from cnn_init import BaseModule

B = TypeVar("B", bound="BaseBackbone")

DEFAULT_INIT_CFG: list[dict[str, Any]] = [
    dict(type="Kaiming", layer="Conv2d"),
    dict(type="Constant", val=1, layer=["_BatchNorm", "GroupNorm"]),
]


def check_out_indices(out_indices: Sequence[int], num_stages: int) -> tuple[int, ...]:
    """Return ``out_indices`` as a sorted tuple after checking every index names a stage.

    Backbones return their features in stage order, whatever the order of ``out_indices``.

    Example:
        >>> check_out_indices([3, 1], 4)
        (1, 3)
        >>> check_out_indices((0, 4), 4)
        Traceback (most recent call last):
        ...
        ValueError: out_indices=(0, 4): expected distinct stage indices in [0, 3]
    """
    if isinstance(out_indices, int) or not all(isinstance(i, int) for i in out_indices):
        raise TypeError(f"out_indices={out_indices!r}: expected a sequence of ints")
    out = tuple(out_indices)
    if not out or len(set(out)) != len(out) or not all(0 <= i < num_stages for i in out):
        raise ValueError(f"out_indices={out_indices!r}: expected distinct stage indices in [0, {num_stages - 1}]")
    return tuple(sorted(out))


def resolve_init_cfg(init_cfg: Any, pretrained: Any, default: Any = None) -> Any:
    """The ``init_cfg`` a backbone uses: the caller's, a ``Pretrained`` one for ``pretrained``, or ``default``.

    Example:
        >>> resolve_init_cfg(None, 'torchvision://resnet50')
        {'type': 'Pretrained', 'checkpoint': 'torchvision://resnet50'}
        >>> resolve_init_cfg(None, None)[0]
        {'type': 'Kaiming', 'layer': 'Conv2d'}
    """
    if init_cfg is not None and pretrained is not None:
        raise ValueError(f"init_cfg={init_cfg!r} and pretrained={pretrained!r}: give only one of them")
    if pretrained is not None:
        if not isinstance(pretrained, str):
            raise TypeError(
                f"pretrained={pretrained!r}: expected a checkpoint path, URL or catalog name (str) or None, e.g. "
                "'torchvision://resnet50'; for a pretrained model by name: cnn_models.create_model('resnet50', "
                "pretrained=True)"
            )
        return dict(type="Pretrained", checkpoint=pretrained)
    if init_cfg is not None:
        return init_cfg
    return [dict(cfg) for cfg in DEFAULT_INIT_CFG] if default is None else default


def set_norm_eval(module: nn.Module) -> None:
    """Put every batch-norm layer of ``module`` in eval mode so its running statistics stay fixed.

    Example:
        >>> m = nn.Sequential(nn.Conv2d(1, 1, 1), nn.BatchNorm2d(1))
        >>> set_norm_eval(m)
        >>> m.training, m[1].training
        (True, False)
    """
    for m in module.modules():
        if isinstance(m, _BatchNorm):
            m.eval()


def freeze(module: nn.Module) -> None:
    """Stop gradients to ``module`` and put it in eval mode.

    Example:
        >>> m = nn.BatchNorm2d(2)
        >>> freeze(m)
        >>> m.training, m.weight.requires_grad
        (False, False)
    """
    module.eval()
    for param in module.parameters():
        param.requires_grad = False


def module_stride(modules: Sequence[nn.Module]) -> int:
    """The stride of a chain of modules: the product of the strides of its convs and pools.

    Example:
        >>> module_stride([nn.Conv2d(3, 8, 3, stride=2), nn.ReLU(), nn.MaxPool2d(3, 2)])
        4
    """
    stride = 1
    for module in modules:
        for m in module.modules():
            if isinstance(m, (_ConvNd, _MaxPoolNd, _AvgPoolNd)):
                s: Any = m.stride
                stride *= int(s[0] if isinstance(s, (tuple, list)) else s)
    return stride


class BaseBackbone(BaseModule):
    """A network that returns a tuple of feature maps, one per stage in ``out_indices``.

    Subclasses build a stem (override ``make_stem_layer``; mmcls's name ``_make_stem_layer`` works
    too), their stages, and end ``__init__`` with ``self.set_stages(channels, strides)``. They
    say which modules form stage ``i`` in ``stage_modules(i)`` so ``frozen_stages`` can freeze them.

    ``forward_stem`` runs the modules that ``make_stem_layer`` registered, in that order. Override
    it only for a stem that is not a chain, and then override ``make_stem_layer`` in the same class:
    a class overriding one of the pair while inheriting a specialised other half is rejected.
    ``stem_stride`` is derived from the stem's convs and pools.

    Args:
        out_indices: Stages whose outputs ``forward`` returns (checked in ``set_stages``).
        frozen_stages: Freeze the stem (0) and stages 1 .. ``frozen_stages``: no gradients and eval
            mode, also after ``train()``; -1 freezes nothing.
        norm_eval: Keep batch-norm layers in eval mode (frozen statistics) during training.
        pretrained: Checkpoint to load in ``init_weights``; shorthand for a ``Pretrained`` init_cfg.
        init_cfg: Initialisation config; ``None`` means ``default_init_cfg``.
        default_init_cfg: This backbone's default; ``None`` means Kaiming convs and norms set to one.

    Example:
        >>> import torch
        >>> class Tiny(BaseBackbone):
        ...     def __init__(self, out_indices=(0, 1), **kwargs):
        ...         super().__init__(out_indices=out_indices, **kwargs)
        ...         self.make_stem(3, 8)
        ...         self.stage1 = nn.Conv2d(8, 16, 3, stride=2, padding=1)
        ...         self.stage2 = nn.Conv2d(16, 32, 3, stride=2, padding=1)
        ...         self.set_stages((16, 32), (self.stem_stride * 2, self.stem_stride * 4))
        ...     def make_stem_layer(self, in_channels, stem_channels):
        ...         self.conv1 = nn.Conv2d(in_channels, stem_channels, 3, stride=2, padding=1)
        ...         self.relu = nn.ReLU()
        ...     def stage_modules(self, index):
        ...         return [getattr(self, f'stage{index + 1}')]
        ...     def forward(self, x):
        ...         x = self.forward_stem(x)
        ...         return self.select_outputs([x := self.stage1(x), self.stage2(x)])
        >>> model = Tiny(frozen_stages=1)
        >>> model.stem_stride, model.out_channels, model.out_strides
        (2, (16, 32), (4, 8))
        >>> model.train().stage1.training, model.stage1.weight.requires_grad, model.stage2.training
        (False, False, True)
        >>> [tuple(f.shape) for f in model(torch.rand(1, 3, 16, 16))]
        [(1, 16, 4, 4), (1, 32, 2, 2)]
    """

    stem_layer_names: list[str]
    has_extra_output: bool
    """Whether ``forward`` returns something after the stage outputs (VGG's logits), so ``out_indices`` may be empty."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "stem_stride" in cls.__dict__:
            raise TypeError(
                f"{cls.__name__} sets stem_stride, which BaseBackbone derives from the convs and pools that "
                "make_stem_layer builds; remove it"
            )
        own = cls.__dict__
        if "_make_stem_layer" in own and "make_stem_layer" not in own:
            setattr(cls, "make_stem_layer", own["_make_stem_layer"])  # mmcls's name for the same hook  # noqa: B010
        makes, runs = "make_stem_layer" in cls.__dict__, "forward_stem" in own
        if runs and not makes:
            raise TypeError(
                f"{cls.__name__} overrides forward_stem but not make_stem_layer: forward_stem runs the stem that "
                "make_stem_layer builds, so override make_stem_layer (or _make_stem_layer) in the same class"
            )
        inherited_run = getattr(cls, "forward_stem", None)
        if makes and not runs and inherited_run is not BaseBackbone.forward_stem:
            owner = next(c for c in cls.__mro__ if "forward_stem" in c.__dict__)
            raise TypeError(
                f"{cls.__name__} overrides make_stem_layer but inherits {owner.__name__}.forward_stem, which runs "
                f"{owner.__name__}'s stem; override forward_stem too (or neither)"
            )

    def __init__(
        self,
        *,
        out_indices: Sequence[int],
        frozen_stages: int = -1,
        norm_eval: bool = False,
        pretrained: str | None = None,
        init_cfg: dict | list[dict] | None = None,
        default_init_cfg: dict | list[dict] | None = None,
    ) -> None:
        super().__init__(resolve_init_cfg(init_cfg, pretrained, default_init_cfg))
        if not isinstance(frozen_stages, int) or isinstance(frozen_stages, bool) or frozen_stages < -1:
            raise ValueError(f"frozen_stages={frozen_stages!r}: expected an int >= -1 (-1 freezes nothing)")
        if not isinstance(norm_eval, bool):
            raise TypeError(f"norm_eval={norm_eval!r}: expected True or False")
        if isinstance(out_indices, int) or not all(isinstance(i, int) for i in out_indices):
            raise TypeError(f"out_indices={out_indices!r}: expected a sequence of ints")
        self.frozen_stages = frozen_stages
        self.norm_eval = norm_eval
        self.out_indices = tuple(out_indices)
        self.has_extra_output = getattr(self, "has_extra_output", False)
        self.stem_layer_names = []
        self.stem_stride = 1

    # -- the stem ---------------------------------------------------------------------------------
    def make_stem_layer(self, in_channels: int, stem_channels: int) -> None:
        """Build the layers before the first stage as attributes; the default is no stem."""

    def make_stem(self, in_channels: int, stem_channels: int) -> None:
        """Call ``make_stem_layer``, remember the modules it registered and derive ``stem_stride`` from them."""
        before = set(self._modules)
        self.make_stem_layer(in_channels, stem_channels)
        self.stem_layer_names = [name for name in self._modules if name not in before]
        self.stem_stride = module_stride([getattr(self, name) for name in self.stem_layer_names])

    def forward_stem(self, x: torch.Tensor) -> torch.Tensor:
        """Run the stem: the modules ``make_stem_layer`` registered, in order."""
        for name in self.stem_layer_names:
            x = getattr(self, name)(x)
        return x

    # -- stages, outputs and freezing -------------------------------------------------------------
    def set_stages(self, channels: Sequence[int], strides: Sequence[int], num_stages: int | None = None) -> None:
        """Record the channels and stride of every output, check ``out_indices``/``frozen_stages``, freeze.

        Call this once at the end of ``__init__``, when every stage exists. ``num_stages`` is the
        number of stages ``frozen_stages`` counts, when it differs from the number of outputs.
        """
        if len(channels) != len(strides):
            raise ValueError(f"channels={tuple(channels)!r}, strides={tuple(strides)!r}: expected one of each")
        if self.out_indices or not self.has_extra_output:  # a classifier's output may be the only one
            self.out_indices = check_out_indices(self.out_indices, len(channels))
        num_stages = len(channels) if num_stages is None else num_stages
        if self.frozen_stages > num_stages:
            raise ValueError(f"frozen_stages={self.frozen_stages!r}: expected an int in [-1, {num_stages}]")
        self.stage_channels = tuple(channels)
        self.stage_strides = tuple(strides)
        self.out_channels = tuple(self.stage_channels[i] for i in self.out_indices)
        self.out_strides = tuple(self.stage_strides[i] for i in self.out_indices)
        self.freeze_stages()

    @property
    def feature_info(self) -> list[dict[str, int]]:
        """One dict per returned map: its stage ``index``, ``channels`` and ``stride`` (timm's feature info)."""
        return [dict(index=i, channels=self.stage_channels[i], stride=self.stage_strides[i]) for i in self.out_indices]

    def select_outputs(self, stage_outputs: Sequence[torch.Tensor]) -> tuple[torch.Tensor, ...]:
        """The stage outputs named by ``out_indices``, in stage order."""
        return tuple(stage_outputs[i] for i in self.out_indices)

    def stage_modules(self, index: int) -> Sequence[nn.Module]:
        """The modules of stage ``index`` (0-based), frozen when ``frozen_stages > index``."""
        raise TypeError(f"{type(self).__name__} supports no frozen_stages > 0: it does not override stage_modules")

    def freeze_stages(self) -> None:
        """Freeze the stem (when ``frozen_stages >= 0``) and the first ``frozen_stages`` stages."""
        if self.frozen_stages >= 0:
            for name in self.stem_layer_names:
                freeze(getattr(self, name))
        for i in range(self.frozen_stages):
            for module in self.stage_modules(i):
                freeze(module)

    def train(self: B, mode: bool = True) -> B:
        """Switch train/eval mode, keeping frozen stages (and, with ``norm_eval``, batch norms) in eval mode."""
        super().train(mode)
        self.freeze_stages()
        if mode and self.norm_eval:
            set_norm_eval(self)
        return self

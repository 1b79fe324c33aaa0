"""``BaseModule``: an ``nn.Module`` that initialises itself from ``init_cfg``."""

from __future__ import annotations

import copy
import functools
import logging
import warnings
from collections.abc import Callable, Iterator
from typing import Any, TypeVar, cast

from torch import nn

from .build_initializer import is_pretrained_cfg
from .init_info import InitInfo, InitRecorder, record_step, recording
from .initialize import InitCfg, cfg_list, initialize

logger = logging.getLogger("cnn_init")

F = TypeVar("F", bound=Callable[..., Any])


def _tracked(method: F) -> F:
    """Wrap an ``init_weights`` so it runs once, is recorded, and composes with ``super()``."""

    @functools.wraps(method)
    def init_weights(self: BaseModule, *args: Any, **kwargs: Any) -> Any:
        if self.__dict__.get("_init_running", False):
            return method(self, *args, **kwargs)  # super().init_weights() from an override
        if self.is_init:
            warnings.warn(
                f"init_weights() of {type(self).__name__} has already run; this call changes nothing",
                UserWarning,
                stacklevel=2,
            )
            return None
        self.__dict__["_init_running"] = True
        # BaseModule's own pass changes parameters only in steps it records itself;
        # an override's own writes need a step around the whole call.
        overridden = type(self).init_weights is not BaseModule.init_weights
        try:
            with recording() as (recorder, outermost):
                if overridden:
                    with record_step(f"{type(self).__name__}.init_weights()", self):
                        result = method(self, *args, **kwargs)
                else:
                    result = method(self, *args, **kwargs)
        finally:
            self.__dict__["_init_running"] = False
        self.__dict__["_is_init"] = True
        if outermost:
            self._publish(recorder)
        return result

    init_weights._cnn_init_tracked = True  # type: ignore[attr-defined]
    return init_weights  # type: ignore[return-value]


def _children_to_init(module: nn.Module) -> Iterator[nn.Module]:
    """The nearest descendants with an ``init_weights`` method, looking through plain containers."""
    for child in module.children():
        if callable(getattr(child, "init_weights", None)):
            yield child
        else:
            yield from _children_to_init(child)


class BaseModule(nn.Module):
    """An ``nn.Module`` whose `init_weights` applies ``init_cfg``.

    ``init_weights()`` runs these passes:

    1. this module's own cfgs (all but ``Pretrained``), with `cnn_init.initialize`;
    2. ``init_weights()`` of every child that has one (a child's own scheme,
       such as a conv block's default Kaiming, wins over the parent's cfg);
       children inside plain containers such as ``nn.Sequential`` are reached too,
       and a child whose ``is_init`` is True (a plain module too) is skipped;
    3. when ``init_cfg`` is None, the module's own `default_init` hook;
    4. the ``Pretrained`` cfg, if any, so checkpoint weights win over everything.

    It runs once: a second call warns and changes nothing. Afterwards
    `init_info` says which step set each parameter, and the table is
    logged at debug level on the ``cnn_init`` logger. Subclasses may override
    ``init_weights`` (calling ``super().init_weights()`` or not); the override
    is tracked the same way.

    Args:
        init_cfg: a dict or a list of dicts, each naming an initializer, e.g.
            ``dict(type='Kaiming', layer='Conv2d')``. It is copied, never modified.

    >>> import torch
    >>> class Head(BaseModule):
    ...     def __init__(self):
    ...         super().__init__(init_cfg=dict(type='Constant', val=0, layer='Linear'))
    ...         self.fc = nn.Linear(4, 2)
    >>> head = Head()
    >>> head.init_weights()
    >>> head.fc.weight.abs().sum().item()
    0.0
    >>> head.init_info()['fc.weight']
    "Constant(val=0, layer='Linear') in init_cfg of Head"
    """

    def __init__(self, init_cfg: InitCfg | None = None) -> None:
        super().__init__()
        if init_cfg is not None:
            cfg_list(init_cfg)  # fail now, not at init_weights(), on a malformed cfg
        self.init_cfg = copy.deepcopy(init_cfg)
        self._is_init = False

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        own = cls.__dict__.get("init_weights")
        if callable(own) and not getattr(own, "_cnn_init_tracked", False):
            cls.init_weights = _tracked(own)  # type: ignore[method-assign]

    @property
    def is_init(self) -> bool:
        """Whether `init_weights` has run."""
        return bool(self.__dict__.get("_is_init", False))

    @is_init.setter
    def is_init(self, value: bool) -> None:
        """Mark the module as initialised (e.g. after loading weights by hand), or not."""
        if not isinstance(value, bool):
            raise TypeError(f"is_init must be a bool, got {type(value).__name__}: {value!r}")
        self.__dict__["_is_init"] = value

    @_tracked
    def init_weights(self) -> None:
        """Initialise the parameters: own cfgs, then children, then ``Pretrained``."""
        cfgs = cfg_list(self.init_cfg) if self.init_cfg is not None else []
        pretrained = [cfg for cfg in cfgs if is_pretrained_cfg(cfg)]
        others = [cfg for cfg in cfgs if not is_pretrained_cfg(cfg)]
        if others:
            initialize(self, others)
        for child in _children_to_init(self):
            if getattr(child, "is_init", False) is True:
                continue  # already initialised (a plain module marked is_init=True too, as in mmengine)
            if isinstance(child, BaseModule):
                child.init_weights()  # records its own steps
                continue
            with record_step(f"{type(child).__name__}.init_weights()", child):
                cast(Any, child).init_weights()
        if self.init_cfg is None and type(self).default_init is not BaseModule.default_init:
            with record_step(f"{type(self).__name__}.init_weights()", self):
                self.default_init()
        if pretrained:
            initialize(self, pretrained)

    def default_init(self) -> None:
        """The initialisation that ``init_weights()`` applies when ``init_cfg`` is None; none here.

        A module with a scheme of its own (a conv block's Kaiming, an attention
        block's zeroed output) overrides this hook instead of ``init_weights``,
        and usually calls it at the end of ``__init__`` too. It runs after the
        children's ``init_weights()``, so it has the last word on its own layers.
        """

    def init_info(self) -> InitInfo:
        """Which step of ``init_weights()`` set each parameter last.

        Returns a read-only mapping from parameter name to a description such as
        ``"Kaiming(layer='Conv2d') in init_cfg of ResNet"``; ``str()`` of it
        is a table. Raises ``RuntimeError`` before ``init_weights()`` has run.
        """
        recorder = self.__dict__.get("_init_recorder")
        if recorder is None:
            raise RuntimeError(
                f"init_info() of {type(self).__name__} is recorded by init_weights(); "
                "call init_weights() on it or on a module that contains it first"
            )
        return InitInfo.collect(self, recorder)

    def _publish(self, recorder: InitRecorder) -> None:
        for module in self.modules():
            if isinstance(module, BaseModule):
                earlier = module.__dict__.get("_init_recorder")
                if earlier is not None and earlier is not recorder:
                    recorder.adopt(earlier)  # a child initialised on its own before
                module.__dict__["_init_recorder"] = recorder
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("parameters of %s after init_weights():\n%s", type(self).__name__, self.init_info())

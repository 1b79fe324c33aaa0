"""Which initializer set each parameter last: the record behind ``BaseModule.init_info()``.

While ``init_weights()`` runs, every step (an ``init_cfg``, an override, a
child's own ``init_weights``, a checkpoint) is wrapped in `record_step`.
A parameter that changed during the step is credited to it, unless a step
nested inside already took the credit for its current value. A change is seen
through the tensor's version counter (bumped by in-place ops such as
``nn.init.normal_``) or, for writes through ``.data`` that skip the counter,
through a sample of its values; both cost little even for large models.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass

import torch
from torch import nn

#: What the table says for a parameter that no step changed.
UNTOUCHED = "not changed by init_weights (PyTorch default of {owner})"


#: How many evenly spaced elements a fingerprint samples.
SAMPLES = 256


@dataclass(frozen=True)
class Fingerprint:
    """A cheap summary of a tensor: version counter, storage address and a sample of its values.

    In-place writes to the parameter (``nn.init.*``, ``copy_``, ``load_state_dict``)
    bump the version counter; writes through ``param.data``, which skip it, are
    seen in the sample of up to `SAMPLES` evenly spaced elements.
    """

    version: int
    address: int
    sample: torch.Tensor

    @classmethod
    def of(cls, param: torch.Tensor) -> Fingerprint:
        # A detached tensor records no autograd graph, so no grad-mode switch is needed;
        # index_select is one kernel call, much cheaper than advanced indexing from Python.
        flat = param.detach().reshape(-1)
        numel = flat.numel()
        sample = flat.index_select(0, _sample_index(numel, flat.device)) if numel > SAMPLES else flat.clone()
        return cls(param._version, param.data_ptr(), sample)

    def same_as(self, other: Fingerprint) -> bool:
        if self.version != other.version or self.address != other.address:
            return False
        if torch.equal(self.sample, other.sample):
            return True
        return torch.equal(self.sample.isnan(), other.sample.isnan()) and torch.equal(
            self.sample.nan_to_num(), other.sample.nan_to_num()
        )


@functools.lru_cache(maxsize=256)
def _sample_index(numel: int, device: torch.device) -> torch.Tensor:
    """Up to `SAMPLES` evenly spaced positions in a flat tensor of ``numel`` elements."""
    # Integer arithmetic: a float32 linspace rounds numel - 1 up to numel past 2**24 elements.
    return torch.arange(SAMPLES, dtype=torch.int64, device=device) * (numel - 1) // (SAMPLES - 1)


@dataclass
class _Record:
    param: torch.Tensor  # kept so the id stays unique while recorded
    description: str
    fingerprint: Fingerprint


class InitRecorder:
    """Collects, for every parameter, the description of the step that set it last."""

    def __init__(self) -> None:
        self._records: dict[int, _Record] = {}

    def __setstate__(self, state: dict[str, object]) -> None:
        # copy.deepcopy and pickle give the parameters new identities: re-key by them.
        self.__dict__.update(state)
        self._records = {id(record.param): record for record in self._records.values()}

    def adopt(self, earlier: InitRecorder) -> None:
        """Take over ``earlier``'s records for the parameters this recorder has none for."""
        for key, record in earlier._records.items():
            self._records.setdefault(key, record)

    def description(self, param: torch.Tensor) -> str | None:
        """The step that set ``param`` last, or ``None`` if none did."""
        record = self._records.get(id(param))
        return None if record is None else record.description

    @contextlib.contextmanager
    def step(self, description: str, module: nn.Module, watched: Sequence[nn.Module] | None = None) -> Iterator[None]:
        """Credit ``description`` with the changes to ``module``'s parameters made inside the block.

        ``watched``, if given, are the only submodules whose parameters the block can
        change (an initializer's targets); only their parameters are compared.
        """
        before = {id(p): Fingerprint.of(p) for p in _parameters(module, watched)}
        yield
        for param in _parameters(module, watched):  # parameters replaced inside the block count as changed
            now = Fingerprint.of(param)
            previous = before.get(id(param))
            if previous is not None and now.same_as(previous):
                continue
            record = self._records.get(id(param))
            if record is not None and record.fingerprint.same_as(now):
                continue  # a nested step set exactly this value and keeps the credit
            self._records[id(param)] = _Record(param, description, now)


def _parameters(module: nn.Module, watched: Sequence[nn.Module] | None) -> Iterator[torch.Tensor]:
    """``module.parameters()``, or only those of the ``watched`` submodules, each once."""
    if watched is None:
        yield from module.parameters()
        return
    seen: set[int] = set()
    for submodule in watched:
        # A leaf's parameters are its own; reading them directly skips a module walk per target.
        params = submodule.parameters() if submodule._modules else submodule._parameters.values()
        for param in params:
            if param is None:
                continue
            if id(param) not in seen:
                seen.add(id(param))
                yield param


_ACTIVE: ContextVar[InitRecorder | None] = ContextVar("cnn_init_recorder", default=None)


def active_recorder() -> InitRecorder | None:
    """The recorder of the ``init_weights()`` call in progress, if any."""
    return _ACTIVE.get()


@contextlib.contextmanager
def recording() -> Iterator[tuple[InitRecorder, bool]]:
    """The active recorder, or a new one made active for the block.

    Yields ``(recorder, is_new)``; ``is_new`` is true for the outermost call.
    """
    recorder = _ACTIVE.get()
    if recorder is not None:
        yield recorder, False
        return
    recorder = InitRecorder()
    token = _ACTIVE.set(recorder)
    try:
        yield recorder, True
    finally:
        _ACTIVE.reset(token)


@contextlib.contextmanager
def record_step(description: str, module: nn.Module, watched: Sequence[nn.Module] | None = None) -> Iterator[None]:
    """Credit ``description`` for parameter changes inside the block, if a recorder is active.

    ``watched`` narrows the parameters compared to those of these submodules (see `InitRecorder.step`).
    """
    recorder = _ACTIVE.get()
    if recorder is None:
        yield
        return
    with recorder.step(description, module, watched):
        yield


class InitInfo(Mapping[str, str]):
    """A table from parameter name to the initializer that set it last.

    It is a read-only mapping (``info['fc.weight']``) whose ``str()`` is an
    aligned three-column table: name, shape, initialized by.
    """

    def __init__(self, rows: list[tuple[str, tuple[int, ...], str]]) -> None:
        self._rows = rows
        self._by_name = {name: by for name, _, by in rows}

    @classmethod
    def collect(cls, module: nn.Module, recorder: InitRecorder) -> InitInfo:
        """The table for ``module``'s parameters, named relative to ``module``."""
        rows = []
        for name, param in module.named_parameters():
            by = recorder.description(param)
            if by is None:
                owner = module.get_submodule(name.rpartition(".")[0]) if "." in name else module
                by = UNTOUCHED.format(owner=type(owner).__name__)
            rows.append((name, tuple(param.shape), by))
        return cls(rows)

    def __getitem__(self, name: str) -> str:
        try:
            return self._by_name[name]
        except KeyError:
            known = ", ".join(self._by_name) or "none"
            raise KeyError(f"no parameter named {name!r}; the parameters are: {known}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_name)

    def __len__(self) -> int:
        return len(self._by_name)

    def __str__(self) -> str:
        header = ("parameter", "shape", "initialized by")
        body = [(name, "x".join(map(str, shape)) or "scalar", by) for name, shape, by in self._rows]
        widths = [max(len(row[i]) for row in [header, *body]) for i in range(2)]
        lines = [f"{r[0].ljust(widths[0])}  {r[1].ljust(widths[1])}  {r[2]}" for r in [header, *body]]
        lines.insert(1, f"{'-' * widths[0]}  {'-' * widths[1]}  {'-' * len(header[2])}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"InitInfo({len(self)} parameters)\n{self}"

"""The scheduler base class and the argument checks every scheduler shares.

``LRScheduler`` holds the bookkeeping common to all schedules (``initial_lr``, ``base_lrs``,
``last_epoch``, ``get_last_lr``, ``state_dict``); the schedules themselves, and the overview of how
to use them, are in ``lr_scheduler.py``, which also re-exports this class.
"""

from __future__ import annotations

import copy
import math
import numbers
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scratchdl.optim.optimizer import Optimizer


def _check_optimizer(owner: str, optimizer: Any) -> None:
    groups = getattr(optimizer, "param_groups", None)
    if not isinstance(groups, list) or not all(isinstance(g, dict) and "lr" in g for g in groups):
        raise TypeError(
            f"{owner}: expected an optimizer (an object whose param_groups is a list of dicts "
            f"with an 'lr'), got {type(optimizer).__name__}. Pass e.g. optim.SGD(params, lr=0.1)."
        )


def _is_int(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)


def _int_at_least(owner: str, arg: str, value: Any, low: int) -> int:
    if not _is_int(value) or value < low:
        raise ValueError(f"{owner}: {arg} must be an integer >= {low}, got {value!r}.")
    return int(value)


def _real_in(owner: str, arg: str, value: Any, low: float, high: float = math.inf) -> float:
    """Check low <= value <= high (both ends inclusive) and return value as a float."""
    if not _is_real(value) or not low <= value <= high:
        span = f">= {low}" if high == math.inf else f"in [{low}, {high}]"
        raise ValueError(f"{owner}: {arg} must be a finite number {span}, got {value!r}.")
    return float(value)


def _positive(owner: str, arg: str, value: Any) -> float:
    if not _is_real(value) or value <= 0:
        raise ValueError(f"{owner}: {arg} must be a finite number > 0, got {value!r}.")
    return float(value)


def _per_group(owner: str, arg: str, value: Any, optimizer: Any) -> list[float]:
    """One value per param group: a list is checked for length, a number is repeated."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(
                f"{owner}: {arg} has {len(value)} values but the optimizer has {n} param "
                f"group(s); give one value per group or a single number."
            )
        return [_real_in(owner, arg, v, 0.0) for v in value]
    return [_real_in(owner, arg, value, 0.0)] * n


class LRScheduler:
    """Base class: sets each param group's "lr" from ``get_lr()`` on every ``step()``.

    On construction with ``last_epoch=-1`` every group gets ``initial_lr`` = its current lr (kept
    if already there), ``base_lrs`` lists them, and step 0 is taken. To resume, build the
    scheduler on an optimizer whose groups already hold ``initial_lr`` and pass the last step
    index, or (simpler) build it fresh and call ``load_state_dict``.

    Subclasses implement ``get_lr()``, which sees ``last_epoch`` already advanced and returns one
    lr per group. During the construction step ``self._is_initial`` is True.
    """

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        owner = type(self).__name__
        _check_optimizer(owner, optimizer)
        last_epoch = _int_at_least(owner, "last_epoch", last_epoch, -1)
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise ValueError(
                        f"{owner}: last_epoch={last_epoch} resumes a schedule, but "
                        f"param_groups[{i}] has no 'initial_lr'. Load the optimizer's saved "
                        f"state first, or use last_epoch=-1 and scheduler.load_state_dict()."
                    )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rates for step ``last_epoch``, one per param group."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_lr()")

    def step(self) -> None:
        """Advance one step and write the new learning rates into the optimizer."""
        self._step_count += 1
        self.last_epoch += 1
        lrs = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs, strict=True):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the latest step, one per param group."""
        return list(self._last_lr)

    def _current_lrs(self) -> list[float]:
        return [group["lr"] for group in self.optimizer.param_groups]

    def state_dict(self) -> dict[str, Any]:
        """Every attribute except the optimizer, as a deep copy (plain numbers and lists)."""
        return copy.deepcopy({k: v for k, v in self.__dict__.items() if k != "optimizer"})

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a ``state_dict()``; stepping then continues exactly where it left off."""
        own = set(self.__dict__) - {"optimizer"}
        missing, unexpected = sorted(own - set(state_dict)), sorted(set(state_dict) - own)
        if missing or unexpected:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: missing keys {missing}, unexpected "
                f"keys {unexpected}. Was this state saved from a different kind of scheduler?"
            )
        self.__dict__.update(copy.deepcopy(state_dict))

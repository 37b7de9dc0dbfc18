"""Learning-rate schedulers: change each param group's ``lr`` as training goes on.

A scheduler wraps an optimizer and, on every ``step()``, writes a new learning rate into each of
``optimizer.param_groups``. Call it after ``optimizer.step()``: once per epoch for the epoch-based
schedules (StepLR, MultiStepLR, ...), once per batch for OneCycleLR::

    for epoch in range(epochs):
        for x, y in loader:
            loss = ...; optimizer.zero_grad(); loss.backward(); optimizer.step()
        scheduler.step()

The semantics are PyTorch's, value for value. Building a scheduler stores ``initial_lr`` in each
group and takes step 0, so ``last_epoch`` is 0 afterwards and counts the ``step()`` calls since.
``get_last_lr()`` returns the rates the groups now hold. The chainable schedulers (StepLR,
MultiStepLR, ExponentialLR, CosineAnnealingLR) update the *current* ``lr`` recursively, in the same
order of float operations as PyTorch, so they match it to the last bit and can be stacked with
changes made from outside. ``state_dict()`` holds only plain numbers, strings, lists and dicts.

Only the optimizer's public interface is used: ``param_groups`` (a list of dicts holding "lr",
and "momentum" or "betas" for OneCycleLR's momentum cycling) and ``defaults``. The base class
``LRScheduler`` and the argument checks live in ``_lr_base.py``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from scratchdl.optim._lr_base import (
    LRScheduler,
    _check_optimizer,
    _int_at_least,
    _is_real,
    _per_group,
    _positive,
    _real_in,
)

if TYPE_CHECKING:
    from scratchdl.optim.optimizer import Optimizer

__all__ = [
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "LinearWarmupCosineLR",
    "MultiStepLR",
    "OneCycleLR",
    "ReduceLROnPlateau",
    "StepLR",
]


class StepLR(LRScheduler):
    """Multiply the lr by ``gamma`` every ``step_size`` steps.

    lr_t = lr_{t-1} * gamma   if t > 0 and t % step_size == 0,   else lr_{t-1}

    so from a fresh start lr_t = initial_lr * gamma ** (t // step_size).

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.optim import SGD
    >>> opt = SGD([sd.zeros(2, requires_grad=True)], lr=1.0)
    >>> sched = StepLR(opt, step_size=2, gamma=0.5)
    >>> lrs = []
    >>> for _ in range(5):
    ...     sched.step()
    ...     lrs.append(sched.get_last_lr()[0])
    >>> lrs
    [1.0, 0.5, 0.5, 0.25, 0.25]
    """

    def __init__(
        self, optimizer: Optimizer, step_size: int, gamma: float = 0.1, last_epoch: int = -1
    ) -> None:
        self.step_size = _int_at_least("StepLR", "step_size", step_size, 1)
        self.gamma = _positive("StepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._current_lrs()
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]


class MultiStepLR(LRScheduler):
    """Multiply the lr by ``gamma`` at each milestone step.

    lr_t = lr_{t-1} * gamma ** (number of times t appears in milestones)

    so from a fresh start lr_t = initial_lr * gamma ** (number of milestones <= t).

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.optim import SGD
    >>> opt = SGD([sd.zeros(2, requires_grad=True)], lr=1.0)
    >>> sched = MultiStepLR(opt, milestones=[1, 3], gamma=0.5)
    >>> lrs = []
    >>> for _ in range(4):
    ...     sched.step()
    ...     lrs.append(sched.get_last_lr()[0])
    >>> lrs
    [0.5, 0.5, 0.25, 0.25]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        milestones: list[int],
        gamma: float = 0.1,
        last_epoch: int = -1,
    ) -> None:
        self.milestones = sorted(
            _int_at_least("MultiStepLR", "milestone", m, 1) for m in milestones
        )
        self.gamma = _positive("MultiStepLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        times = self.milestones.count(self.last_epoch)
        if times == 0:
            return self._current_lrs()
        return [group["lr"] * self.gamma**times for group in self.optimizer.param_groups]


class ExponentialLR(LRScheduler):
    """Multiply the lr by ``gamma`` on every step: lr_t = lr_{t-1} * gamma = initial_lr * gamma**t.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.optim import SGD
    >>> opt = SGD([sd.zeros(2, requires_grad=True)], lr=1.0)
    >>> sched = ExponentialLR(opt, gamma=0.5)
    >>> lrs = []
    >>> for _ in range(3):
    ...     sched.step()
    ...     lrs.append(sched.get_last_lr()[0])
    >>> lrs
    [0.5, 0.25, 0.125]
    """

    def __init__(self, optimizer: Optimizer, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = _positive("ExponentialLR", "gamma", gamma)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        if self._is_initial:
            return self._current_lrs()
        return [group["lr"] * self.gamma for group in self.optimizer.param_groups]


class CosineAnnealingLR(LRScheduler):
    """Cosine annealing from initial_lr down to ``eta_min`` over ``T_max`` steps (SGDR without
    restarts; Loshchilov & Hutter, 2017).

    Closed form:  lr_t = eta_min + (lr_0 - eta_min) * (1 + cos(pi * t / T_max)) / 2

    Like PyTorch, the update is the recursive form, the ratio of two consecutive closed forms::

        lr_t = eta_min + (lr_{t-1} - eta_min) * (1 + cos(pi t / T)) / (1 + cos(pi (t-1) / T))

    which equals the closed form for an undisturbed run and follows any outside change of the lr.
    Where the denominator is 0 (t - 1 = T_max, 3 T_max, ...: the bottom of the cosine) it takes
    the additive step lr_t = lr_{t-1} + (lr_0 - eta_min) * (1 - cos(pi / T_max)) / 2. After T_max
    steps the lr climbs back along the cosine (period 2 T_max), as in PyTorch.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.optim import SGD
    >>> opt = SGD([sd.zeros(2, requires_grad=True)], lr=1.0)
    >>> sched = CosineAnnealingLR(opt, T_max=4)
    >>> lrs = []
    >>> for _ in range(4):
    ...     sched.step()
    ...     lrs.append(round(sched.get_last_lr()[0], 4))
    >>> lrs
    [0.8536, 0.5, 0.1464, 0.0]
    """

    def __init__(
        self, optimizer: Optimizer, T_max: int, eta_min: float = 0.0, last_epoch: int = -1
    ) -> None:
        self.T_max = _positive("CosineAnnealingLR", "T_max", T_max)
        self.eta_min = _real_in("CosineAnnealingLR", "eta_min", eta_min, 0.0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        groups = self.optimizer.param_groups
        if self._is_initial:
            return self._current_lrs()
        if (t - 1 - T) % (2 * T) == 0:
            return [
                group["lr"] + (base_lr - eta_min) * (1 - math.cos(math.pi / T)) / 2
                for base_lr, group in zip(self.base_lrs, groups, strict=True)
            ]
        ratio = (1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
        return [ratio * (group["lr"] - eta_min) + eta_min for group in groups]


class LinearWarmupCosineLR(LRScheduler):
    """Linear warm-up over ``warmup_steps``, then cosine decay to ``eta_min`` at ``total_steps``.

    With W = warmup_steps, T = total_steps, s = warmup_start_factor and lr_0 = initial_lr::

        lr_t = lr_0 * (s + (1 - s) * t / W)                                   0 <= t < W
        lr_t = eta_min + (lr_0 - eta_min) * (1 + cos(pi * (t - W) / (T - W))) / 2    W <= t <= T
        lr_t = eta_min                                                        t > T

    Computed in closed form from ``base_lrs`` (not chainable). Up to float rounding it equals
    PyTorch's ``SequentialLR(opt, [LinearLR(opt, s, total_iters=W),
    CosineAnnealingLR(opt, T - W, eta_min)], milestones=[W])`` for t <= T; past T it stays at
    eta_min where that cosine would climb again. ``s`` may be 0 (the first step then has lr 0).

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.optim import SGD
    >>> opt = SGD([sd.zeros(2, requires_grad=True)], lr=1.0)
    >>> sched = LinearWarmupCosineLR(opt, warmup_steps=2, total_steps=4, warmup_start_factor=0.0)
    >>> lrs = [sched.get_last_lr()[0]]  # step 0, set when the scheduler is built
    >>> for _ in range(5):
    ...     sched.step()
    ...     lrs.append(sched.get_last_lr()[0])
    >>> lrs
    [0.0, 0.5, 1.0, 0.5, 0.0, 0.0]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        warmup_steps: int,
        total_steps: int,
        warmup_start_factor: float = 1.0 / 3,
        eta_min: float = 0.0,
        last_epoch: int = -1,
    ) -> None:
        owner = "LinearWarmupCosineLR"
        self.warmup_steps = _int_at_least(owner, "warmup_steps", warmup_steps, 0)
        self.total_steps = _int_at_least(owner, "total_steps", total_steps, 1)
        if self.total_steps <= self.warmup_steps:
            raise ValueError(
                f"{owner}: total_steps ({total_steps}) must be greater than warmup_steps "
                f"({warmup_steps}), so that some steps are left for the cosine decay."
            )
        self.warmup_start_factor = _real_in(owner, "warmup_start_factor", warmup_start_factor, 0, 1)
        self.eta_min = _real_in(owner, "eta_min", eta_min, 0.0)
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        t, W, T, eta_min = self.last_epoch, self.warmup_steps, self.total_steps, self.eta_min
        if t < W:
            s = self.warmup_start_factor
            return [base_lr * (s + (1 - s) * t / W) for base_lr in self.base_lrs]
        if t > T:
            return [eta_min for _ in self.base_lrs]
        cos_out = 1 + math.cos(math.pi * (t - W) / (T - W))
        return [eta_min + (base_lr - eta_min) * cos_out / 2 for base_lr in self.base_lrs]


class OneCycleLR(LRScheduler):
    """The 1cycle policy (Smith & Topin, 2018), called once per *batch*.

    The lr goes from initial_lr = max_lr / div_factor up to max_lr over the first
    ``pct_start * total_steps`` steps, then down to min_lr = initial_lr / final_div_factor at
    step total_steps - 1. With ``three_phase=True`` it goes back down to initial_lr in a
    mirror-image second phase, and a third phase anneals to min_lr. Within a phase that runs
    from step a to step b and from value u to value v, with p = (t - a) / (b - a)::

        cos:     value_t = v + (u - v) * (1 + cos(pi * p)) / 2
        linear:  value_t = u + (v - u) * p

    Phase ends, as in PyTorch: phase 1 at pct_start * total_steps - 1, phase 2 (three-phase) at
    2 * pct_start * total_steps - 2, the last at total_steps - 1.
    With ``cycle_momentum`` the momentum (SGD/RMSprop "momentum", or Adam's beta1) moves the
    opposite way, from max_momentum to base_momentum and back, by the same formula. Stepping is
    allowed up to t = total_steps (the extra step of a ``for`` loop); one more raises.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.optim import SGD
    >>> opt = SGD([sd.zeros(2, requires_grad=True)], lr=0.1, momentum=0.9)
    >>> sched = OneCycleLR(opt, max_lr=1.0, total_steps=5, pct_start=0.4, anneal_strategy="linear")
    >>> lrs = [round(sched.get_last_lr()[0], 3)]
    >>> for _ in range(4):
    ...     sched.step()
    ...     lrs.append(round(sched.get_last_lr()[0], 3))
    >>> lrs
    [0.04, 1.0, 0.667, 0.333, 0.0]
    >>> round(opt.param_groups[0]["momentum"], 3)
    0.95
    """

    def __init__(
        self,
        optimizer: Optimizer,
        max_lr: float | list[float],
        total_steps: int | None = None,
        epochs: int | None = None,
        steps_per_epoch: int | None = None,
        pct_start: float = 0.3,
        anneal_strategy: str = "cos",
        cycle_momentum: bool = True,
        base_momentum: float | list[float] = 0.85,
        max_momentum: float | list[float] = 0.95,
        div_factor: float = 25.0,
        final_div_factor: float = 1e4,
        three_phase: bool = False,
        last_epoch: int = -1,
    ) -> None:
        owner = "OneCycleLR"
        _check_optimizer(owner, optimizer)
        if total_steps is not None:
            self.total_steps = _int_at_least(owner, "total_steps", total_steps, 1)
        elif epochs is not None and steps_per_epoch is not None:
            epochs = _int_at_least(owner, "epochs", epochs, 1)
            steps = _int_at_least(owner, "steps_per_epoch", steps_per_epoch, 1)
            self.total_steps = epochs * steps
        else:
            raise ValueError(
                f"{owner}: the cycle length is missing: pass total_steps, or both epochs and "
                f"steps_per_epoch (got total_steps={total_steps}, epochs={epochs}, "
                f"steps_per_epoch={steps_per_epoch})."
            )
        pct_start = _real_in(owner, "pct_start", pct_start, 0.0, 1.0)
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(
                f"{owner}: anneal_strategy must be 'cos' or 'linear', got {anneal_strategy!r}."
            )
        self.anneal_strategy = anneal_strategy
        div_factor = _positive(owner, "div_factor", div_factor)
        final_div_factor = _positive(owner, "final_div_factor", final_div_factor)

        # Each phase: its last step, then the group entries it anneals lr and momentum between.
        n = self.total_steps
        up_end, down_end = float(pct_start * n) - 1, float(2 * pct_start * n) - 2
        if three_phase:
            phases = [
                (up_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (down_end, "max_lr", "initial_lr", "base_momentum", "max_momentum"),
                (n - 1, "initial_lr", "min_lr", "max_momentum", "max_momentum"),
            ]
        else:
            phases = [
                (up_end, "initial_lr", "max_lr", "max_momentum", "base_momentum"),
                (n - 1, "max_lr", "min_lr", "base_momentum", "max_momentum"),
            ]
        keys = ("end_step", "start_lr", "end_lr", "start_momentum", "end_momentum")
        self._phases = [dict(zip(keys, phase)) for phase in phases]

        max_lrs = _per_group(owner, "max_lr", max_lr, optimizer)
        if last_epoch == -1:
            for group, top in zip(optimizer.param_groups, max_lrs, strict=True):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor

        self.cycle_momentum = bool(cycle_momentum)
        self.use_beta1 = False
        if self.cycle_momentum:
            defaults = getattr(optimizer, "defaults", optimizer.param_groups[0])
            if "momentum" not in defaults and "betas" not in defaults:
                raise ValueError(
                    f"{owner}: cycle_momentum=True needs an optimizer with 'momentum' (SGD, "
                    f"RMSprop) or 'betas' (Adam, AdamW); {type(optimizer).__name__} has neither. "
                    f"Pass cycle_momentum=False."
                )
            self.use_beta1 = "betas" in defaults
            tops = _per_group(owner, "max_momentum", max_momentum, optimizer)
            bottoms = _per_group(owner, "base_momentum", base_momentum, optimizer)
            if last_epoch == -1:
                for group, top, bottom in zip(optimizer.param_groups, tops, bottoms, strict=True):
                    self._set_momentum(group, top)
                    group["max_momentum"] = top
                    group["base_momentum"] = bottom
        super().__init__(optimizer, last_epoch)

    def _set_momentum(self, group: dict[str, Any], value: float) -> None:
        if self.use_beta1:
            group["betas"] = (value, *group["betas"][1:])
        else:
            group["momentum"] = value

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def get_lr(self) -> list[float]:
        t = self.last_epoch
        if t > self.total_steps:
            raise ValueError(
                f"OneCycleLR: step() was called {t} times but the cycle has total_steps="
                f"{self.total_steps}. Make total_steps (or epochs * steps_per_epoch) cover the "
                f"whole run, or stop stepping the scheduler when the cycle ends."
            )
        lrs = []
        for group in self.optimizer.param_groups:
            start_step = 0.0
            for i, phase in enumerate(self._phases):
                end_step = phase["end_step"]
                if t <= end_step or i == len(self._phases) - 1:
                    pct = (t - start_step) / (end_step - start_step)
                    lrs.append(self._anneal(group[phase["start_lr"]], group[phase["end_lr"]], pct))
                    if self.cycle_momentum:
                        start, end = group[phase["start_momentum"]], group[phase["end_momentum"]]
                        self._set_momentum(group, self._anneal(start, end, pct))
                    break
                start_step = end_step
        return lrs


class ReduceLROnPlateau(LRScheduler):
    """Cut the lr by ``factor`` when a monitored metric stops improving; ``step(metric)``.

    A metric m improves on the best so far when (mode, threshold_mode)::

        min, rel:  m < best * (1 - threshold)      max, rel:  m > best * (1 + threshold)
        min, abs:  m < best - threshold            max, abs:  m > best + threshold

    Each step without improvement adds one "bad epoch". When there are more than ``patience``
    bad epochs in a row, every group's lr becomes max(lr * factor, min_lr) (skipped if it would
    change by eps or less), the counter resets, and the next ``cooldown`` steps count no bad
    epochs. Same rules, counters and state as PyTorch's ReduceLROnPlateau.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.optim import SGD
    >>> opt = SGD([sd.zeros(2, requires_grad=True)], lr=1.0)
    >>> sched = ReduceLROnPlateau(opt, factor=0.5, patience=1)
    >>> for loss in [3.0, 2.0, 2.0, 2.0, 2.0, 1.0]:
    ...     sched.step(loss)
    >>> sched.get_last_lr()
    [0.5]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | list[float] = 0,
        eps: float = 1e-8,
    ) -> None:
        owner = "ReduceLROnPlateau"
        _check_optimizer(owner, optimizer)
        if mode not in ("min", "max"):
            raise ValueError(f"{owner}: mode must be 'min' or 'max', got {mode!r}.")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"{owner}: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}."
            )
        if not _is_real(factor) or not 0 <= factor < 1:
            raise ValueError(f"{owner}: factor must be in [0, 1) (new lr = lr * factor), "
                             f"got {factor!r}.")  # fmt: skip
        self.optimizer = optimizer
        self.mode, self.threshold_mode = mode, threshold_mode
        self.factor = float(factor)
        self.patience = _int_at_least(owner, "patience", patience, 0)
        self.threshold = _real_in(owner, "threshold", threshold, 0.0)
        self.cooldown = _int_at_least(owner, "cooldown", cooldown, 0)
        self.min_lrs = _per_group(owner, "min_lr", min_lr, optimizer)
        self.eps = _real_in(owner, "eps", eps, 0.0)
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.best = self.mode_worse
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self.last_epoch = 0
        self._last_lr = self._current_lrs()

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def step(self, metric: float) -> None:  # type: ignore[override]
        """Record one value of the monitored metric (a number or a one-element tensor)."""
        try:
            current = float(metric.item() if hasattr(metric, "item") else metric)
        except (TypeError, ValueError):
            raise TypeError(
                f"ReduceLROnPlateau.step: metric must be a number or a one-element tensor, "
                f"got {type(metric).__name__}."
            ) from None
        self.last_epoch += 1
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during cooldown do not count
        if self.num_bad_epochs > self.patience:
            for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs, strict=True):
                old_lr = float(group["lr"])
                new_lr = max(old_lr * self.factor, min_lr)
                if old_lr - new_lr > self.eps:
                    group["lr"] = new_lr
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = self._current_lrs()

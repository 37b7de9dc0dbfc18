"""Callbacks: small objects that ``fit`` calls at fixed moments of training.

The moments are ``on_train_begin``, ``on_epoch_begin``, ``on_after_backward`` (gradients are
ready, the update has not happened), ``on_batch_end``, ``on_epoch_end`` (with the epoch's logs:
``loss``, ``val_loss``, metrics, ``lr``) and ``on_train_end``. Each receives the ``Trainer``
(model, optimizer, history, ``stop_training``). Callbacks read and record; the training itself
stays visible in ``fit``.

A callback that keeps state across epochs (EarlyStopping's patience count, ModelCheckpoint's
best value) resets it in ``on_train_begin``, so one object can serve several ``fit`` calls, and
returns it from ``state_dict()``: checkpoints store it and ``fit(resume=...)`` gives it back
through ``load_state_dict`` (after ``on_train_begin``), so a resumed run stops and saves exactly
where an uninterrupted one would.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
from typing import TYPE_CHECKING, Any

import numpy as np

from scratchdl.serialization import write_atomically

if TYPE_CHECKING:
    from scratchdl.train.loop import Trainer


class Callback:
    """Base class: override the moments you need."""

    def on_train_begin(self, trainer: Trainer) -> None: ...

    def on_epoch_begin(self, trainer: Trainer, epoch: int) -> None: ...

    def on_after_backward(self, trainer: Trainer) -> None: ...

    def on_batch_end(self, trainer: Trainer, batch: int, loss: float) -> None: ...

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None: ...

    def on_train_end(self, trainer: Trainer) -> None: ...

    def state_dict(self) -> dict[str, Any] | None:
        """The state to store in checkpoints (anything ``scratchdl.save`` takes); None: none."""
        return None

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what ``state_dict`` returned (called by ``fit(resume=...)``)."""


def _keyed(callbacks):
    return ((f"{i}.{type(c).__name__}", c) for i, c in enumerate(callbacks))


def callback_states(callbacks) -> dict[str, Any]:
    """``{"<position>.<class name>": callback.state_dict()}`` for the callbacks with state."""
    states = {}
    for key, callback in _keyed(callbacks):
        state = callback.state_dict() if hasattr(callback, "state_dict") else None
        if state is not None:
            states[key] = state
    return states


def load_callback_states(callbacks, states: dict[str, Any] | None) -> list[str]:
    """Give each callback its saved state; return the keys of stateful ones that had none."""
    states, missing = states or {}, []
    for key, callback in _keyed(callbacks):
        if key in states and hasattr(callback, "load_state_dict"):
            callback.load_state_dict(states[key])
        elif hasattr(callback, "state_dict") and callback.state_dict() is not None:
            missing.append(key)
    return missing


def _improved(mode: str, value: float, best: float, min_delta: float) -> bool:
    return value < best - min_delta if mode == "min" else value > best + min_delta


def _check_mode(owner: str, mode: str) -> None:
    if mode not in ("min", "max"):
        raise ValueError(f"{owner}: mode must be 'min' or 'max'; received mode={mode!r}.")


def _check_monitor(owner: str, monitor: Any) -> str:
    if not isinstance(monitor, str):
        raise TypeError(
            f"{owner}: monitor must be the name of a logged value such as 'val_loss'; received "
            f"monitor={monitor!r} ({type(monitor).__name__})."
        )
    return monitor


def _worst(mode: str) -> float:
    return math.inf if mode == "min" else -math.inf


def _monitored(owner: str, logs: dict[str, float], monitor: str) -> float:
    if monitor not in logs:
        raise KeyError(
            f"{owner}: the monitored value {monitor!r} is not in the epoch logs "
            f"{sorted(logs)}; pass val_loader to fit for 'val_*' values, or monitor='loss'."
        )
    return logs[monitor]


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    With ``restore_best_weights`` the model gets the weights of its best epoch back at the end.
    The best value, its epoch and weights, and the count of epochs without improvement reset at
    the start of every ``fit`` and are saved in checkpoints.
    """

    def __init__(
        self,
        monitor: str = "val_loss",
        patience: int = 5,
        min_delta: float = 0.0,
        mode: str = "min",
        restore_best_weights: bool = True,
    ) -> None:
        _check_mode("EarlyStopping", mode)
        _check_monitor("EarlyStopping", monitor)
        if isinstance(patience, bool) or not isinstance(patience, (int, np.integer)):
            raise TypeError(
                "EarlyStopping: patience must be an int, the number of epochs without "
                f"improvement to wait; received patience={patience!r} "
                f"({type(patience).__name__}). help: EarlyStopping(patience=3)."
            )
        if patience < 0:
            raise ValueError(f"EarlyStopping: patience must be >= 0; received {patience!r}.")
        if isinstance(min_delta, bool) or not isinstance(min_delta, (int, float, np.number)):
            raise TypeError(
                "EarlyStopping: min_delta must be a number, the smallest change that counts as "
                f"an improvement; received min_delta={min_delta!r} ({type(min_delta).__name__})."
            )
        if min_delta < 0:
            raise ValueError(f"EarlyStopping: min_delta must be >= 0; received {min_delta!r}.")
        self.monitor, self.patience, self.min_delta, self.mode = monitor, patience, min_delta, mode
        self.restore_best_weights = restore_best_weights
        self._reset()

    def _reset(self) -> None:
        self.best = _worst(self.mode)
        self.best_epoch: int | None = None
        self.best_state: dict[str, np.ndarray] | None = None
        self.wait = 0

    def on_train_begin(self, trainer: Trainer) -> None:
        self._reset()
        trainer.check_monitor("EarlyStopping", self.monitor)

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        value = _monitored("EarlyStopping", logs, self.monitor)
        if _improved(self.mode, value, self.best, self.min_delta):
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:  # copies: the live arrays keep changing in place
                self.best_state = {k: v.data.copy() for k, v in trainer.model.state_dict().items()}
        else:
            self.wait += 1
            if self.wait >= self.patience:
                trainer.stop_training = True

    def on_train_end(self, trainer: Trainer) -> None:
        if self.restore_best_weights and self.best_state is not None:
            trainer.model.load_state_dict(self.best_state)

    def state_dict(self) -> dict[str, Any]:
        return {
            "best": float(self.best),
            "best_epoch": self.best_epoch,
            "wait": self.wait,
            "best_state": self.best_state,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best, self.wait = float(state["best"]), int(state["wait"])
        self.best_epoch = None if state["best_epoch"] is None else int(state["best_epoch"])
        saved, self.best_state = state["best_state"], None
        if saved is not None:  # arrays (a Tensor's .data if it comes back as one)
            self.best_state = {k: np.array(getattr(v, "data", v)) for k, v in saved.items()}


class ModelCheckpoint(Callback):
    """Save a full checkpoint (model, optimizer, scheduler, RNG, epoch, callbacks) after epochs.

    ``save_best_only`` keeps the file of the best ``monitor`` value; otherwise the file is
    overwritten every epoch (the "last" checkpoint). Files are written atomically, once every
    callback has finished the epoch, so the file holds their updated state too. The best value
    resets at the start of every ``fit`` and is saved in checkpoints.
    """

    def __init__(
        self,
        path: str | os.PathLike,
        monitor: str = "val_loss",
        mode: str = "min",
        save_best_only: bool = False,
    ) -> None:
        _check_mode("ModelCheckpoint", mode)
        self.path, self.monitor, self.mode = os.fspath(path), monitor, mode
        _check_monitor("ModelCheckpoint", monitor)
        self.save_best_only = save_best_only
        self.best = _worst(mode)

    def on_train_begin(self, trainer: Trainer) -> None:
        self.best = _worst(self.mode)
        if self.save_best_only:
            trainer.check_monitor("ModelCheckpoint", self.monitor)

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        if self.save_best_only:
            value = _monitored("ModelCheckpoint", logs, self.monitor)
            if not _improved(self.mode, value, self.best, 0.0):
                return
            self.best = value
        trainer.save_after_epoch(self.path, epoch + 1)

    def state_dict(self) -> dict[str, Any]:
        return {"best": float(self.best)}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        self.best = float(state["best"])


class CSVLogger(Callback):
    """Append each epoch's logs as a row of a CSV file, under one header.

    An existing file is continued (a resumed run adds its rows after the earlier ones). When
    its header differs from this run's columns (validation added on resume, say), the file is
    rewritten with the union of both, old columns first: earlier rows keep their values and
    get empty cells in the new columns, so every row always matches the one header.
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = os.fspath(path)

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        row = {"epoch": epoch + 1, **logs}
        header = self._header()
        if header is None:
            fields = list(row)
        else:
            fields = header + [key for key in row if key not in header]
            if fields != header:
                self._rewrite(fields)
        with open(self.path, "a", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=fields, restval="")
            if header is None:
                writer.writeheader()
            writer.writerow(row)

    def _header(self) -> list[str] | None:
        """The existing file's column names, or None when there is no file or it is empty."""
        if not os.path.exists(self.path) or os.path.getsize(self.path) == 0:
            return None
        with open(self.path, newline="") as handle:
            return next(csv.reader(handle), None)

    def _rewrite(self, fields: list[str]) -> None:
        with open(self.path, newline="") as handle:
            rows = list(csv.DictReader(handle))
        text = io.StringIO()
        writer = csv.DictWriter(text, fieldnames=fields, restval="")
        writer.writeheader()
        writer.writerows(rows)
        write_atomically(self.path, lambda: text.getvalue().encode())


class JSONLogger(Callback):
    """Write the whole history as JSON after every epoch (readable while training runs)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = os.fspath(path)

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        history = trainer.history.to_dict()
        write_atomically(self.path, lambda: json.dumps(history, indent=2).encode())


class LRSchedulerCallback(Callback):
    """Step a learning-rate scheduler every epoch or every batch.

    ``ReduceLROnPlateau`` is stepped with the epoch's ``monitor`` value. ``fit(scheduler=...)``
    adds one of these for you, before your callbacks: they see, and save, the stepped scheduler.
    """

    def __init__(self, scheduler: Any, interval: str = "epoch", monitor: str = "val_loss") -> None:
        if interval not in ("epoch", "step"):
            raise ValueError(
                f"LRSchedulerCallback: interval must be 'epoch' or 'step'; received {interval!r}."
            )
        self.scheduler, self.interval, self.monitor = scheduler, interval, monitor

    def _is_plateau(self) -> bool:
        return type(self.scheduler).__name__ == "ReduceLROnPlateau"

    def on_batch_end(self, trainer: Trainer, batch: int, loss: float) -> None:
        if self.interval == "step" and not self._is_plateau():
            self.scheduler.step()

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        if self._is_plateau():
            monitor = self.monitor if self.monitor in logs else "loss"
            self.scheduler.step(logs[monitor])
        elif self.interval == "epoch":
            self.scheduler.step()


class GradientNormLogger(Callback):
    """Record each parameter's gradient norm ||dL/dW||₂ after every backward.

    ``norms[name]`` is the list of per-step norms and ``epoch_norms[name]`` their per-epoch mean:
    the data behind gradient-flow plots (vanishing gradients in deep sigmoid nets).
    """

    def __init__(self) -> None:
        self.norms: dict[str, list[float]] = {}
        self.epoch_norms: dict[str, list[float]] = {}
        self._epoch_start: dict[str, int] = {}

    def on_epoch_begin(self, trainer: Trainer, epoch: int) -> None:
        self._epoch_start = {name: len(values) for name, values in self.norms.items()}

    def on_after_backward(self, trainer: Trainer) -> None:
        for name, param in trainer.model.named_parameters():
            if param.grad is not None:
                norm = float(np.sqrt(np.vdot(param.grad.data, param.grad.data)))
                self.norms.setdefault(name, []).append(norm)

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        for name, values in self.norms.items():
            recent = values[self._epoch_start.get(name, 0) :]
            if recent:
                self.epoch_norms.setdefault(name, []).append(float(np.mean(recent)))

"""Callbacks: small objects that ``fit`` calls at fixed moments of training.

The moments are ``on_train_begin``, ``on_epoch_begin``, ``on_after_backward`` (gradients are
ready, the update has not happened), ``on_batch_end``, ``on_epoch_end`` (with the epoch's logs:
``loss``, ``val_loss``, metrics, ``lr``) and ``on_train_end``. Each receives the ``Trainer``
(model, optimizer, history, ``stop_training``). Callbacks read and record; the training itself
stays visible in ``fit``.
"""

from __future__ import annotations

import csv
import json
import math
import os
from typing import TYPE_CHECKING, Any

import numpy as np

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


def _improved(mode: str, value: float, best: float, min_delta: float) -> bool:
    return value < best - min_delta if mode == "min" else value > best + min_delta


def _check_mode(owner: str, mode: str) -> None:
    if mode not in ("min", "max"):
        raise ValueError(f"{owner}: mode must be 'min' or 'max'; received mode={mode!r}.")


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
        if patience < 0:
            raise ValueError(f"EarlyStopping: patience must be >= 0; received {patience!r}.")
        self.monitor, self.patience, self.min_delta, self.mode = monitor, patience, min_delta, mode
        self.restore_best_weights = restore_best_weights
        self.best = math.inf if mode == "min" else -math.inf
        self.best_epoch: int | None = None
        self.best_state: dict[str, np.ndarray] | None = None
        self.wait = 0

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


class ModelCheckpoint(Callback):
    """Save a full checkpoint (model, optimizer, scheduler, RNG, epoch) after epochs.

    ``save_best_only`` keeps the file of the best ``monitor`` value; otherwise the file is
    overwritten every epoch (the "last" checkpoint). Files are written atomically.
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
        self.save_best_only = save_best_only
        self.best = math.inf if mode == "min" else -math.inf

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        if self.save_best_only:
            value = _monitored("ModelCheckpoint", logs, self.monitor)
            if not _improved(self.mode, value, self.best, 0.0):
                return
            self.best = value
        trainer.save(self.path, epoch + 1)


class CSVLogger(Callback):
    """Append each epoch's logs as a row of a CSV file (header written once)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = os.fspath(path)

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        row = {"epoch": epoch + 1, **logs}
        new_file = not os.path.exists(self.path) or os.path.getsize(self.path) == 0
        with open(self.path, "a", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(row))
            if new_file:
                writer.writeheader()
            writer.writerow(row)


class JSONLogger(Callback):
    """Write the whole history as JSON after every epoch (readable while training runs)."""

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = os.fspath(path)

    def on_epoch_end(self, trainer: Trainer, epoch: int, logs: dict[str, float]) -> None:
        temporary = self.path + ".tmp"
        with open(temporary, "w") as handle:
            json.dump(trainer.history.to_dict(), handle, indent=2)
        os.replace(temporary, self.path)


class LRSchedulerCallback(Callback):
    """Step a learning-rate scheduler every epoch or every batch.

    ``ReduceLROnPlateau`` is stepped with the epoch's ``monitor`` value. ``fit(scheduler=...)``
    adds one of these for you.
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

"""``fit``, ``evaluate`` and ``predict``: the training loop every recipe shares.

Inside, ``fit`` is the five lines every framework teaches, once per batch::

    output = model(x)
    loss = loss_fn(output, y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

around them it averages the loss and metrics over each epoch, evaluates on validation data,
steps the learning-rate scheduler, calls the callbacks, shows a progress bar, and writes and
reads checkpoints so that an interrupted run continues exactly where it stopped.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from scratchdl.autograd.grad_mode import no_grad
from scratchdl.tensor import Tensor
from scratchdl.train import metrics as metric_functions
from scratchdl.train.callbacks import Callback, LRSchedulerCallback
from scratchdl.train.checkpoint import load_checkpoint, save_checkpoint

MetricSpec = Sequence[str] | dict[str, Callable[[Tensor, Tensor], float]] | None


class History:
    """Per-epoch values of a run: ``history["loss"]``, ``history["val_accuracy"]``, ...

    ``history.history`` is the plain dict (Keras' name), ``epochs`` the epoch numbers.
    """

    def __init__(self, history: dict[str, list[float]] | None = None) -> None:
        self.history: dict[str, list[float]] = {k: list(v) for k, v in (history or {}).items()}

    def append(self, logs: dict[str, float]) -> None:
        for key, value in logs.items():
            self.history.setdefault(key, []).append(float(value))

    @property
    def epochs(self) -> list[int]:
        return list(range(1, len(self.history.get("loss", [])) + 1))

    def __getitem__(self, key: str) -> list[float]:
        return self.history[key]

    def __contains__(self, key: str) -> bool:
        return key in self.history

    def keys(self):
        return self.history.keys()

    def to_dict(self) -> dict[str, list[float]]:
        return {k: list(v) for k, v in self.history.items()}

    def __repr__(self) -> str:
        last = {k: round(v[-1], 4) for k, v in self.history.items() if v}
        return f"History(epochs={len(self.epochs)}, last={last})"


_NAMED = ("accuracy", "precision", "recall", "f1_score")


class _EpochMetrics:
    """Metrics over one pass of a loader.

    Named metrics are computed once, at the end, from every prediction of the epoch (so
    precision and F1 are exact, not averages of per-batch values). Custom functions
    ``fn(output, target) -> float`` are averaged over batches, weighted by batch size.
    """

    def __init__(self, metrics: MetricSpec) -> None:
        if metrics is None:
            metrics = ()
        custom = dict(metrics) if isinstance(metrics, dict) else {}
        named = [] if isinstance(metrics, dict) else list(metrics)
        for name in named:
            if name not in _NAMED:
                raise ValueError(
                    f"fit: unknown metric {name!r}; use one of {', '.join(map(repr, _NAMED))}, "
                    "or pass a dict of name -> function(output, target)."
                )
        self.named, self.custom = named, custom
        self.predicted: list[np.ndarray] = []
        self.targets: list[np.ndarray] = []
        self.sums = dict.fromkeys(custom, 0.0)
        self.seen = 0
        self.classes = 0

    def update(self, output: Tensor, target, n: int) -> None:
        if self.named:
            self.predicted.append(metric_functions.predictions(output))
            target = target.data if isinstance(target, Tensor) else np.asarray(target)
            self.targets.append(target.reshape(len(self.predicted[-1])).astype(np.int64))
            self.classes = max(self.classes, output.shape[-1] if output.ndim > 1 else 1)
        for name, function in self.custom.items():
            self.sums[name] += float(function(output, target)) * n
        self.seen += n

    def result(self) -> dict[str, float]:
        logs = {name: total / self.seen for name, total in self.sums.items()}
        if self.named:
            predicted, target = np.concatenate(self.predicted), np.concatenate(self.targets)
            average = "macro" if self.classes > 1 else "binary"
            for name in self.named:
                if name == "accuracy":
                    logs[name] = float(np.mean(predicted == target))
                else:
                    function = getattr(metric_functions, name)
                    logs[name] = function(target, predicted, average=average)
        return logs


def _split_batch(batch) -> tuple[Any, Any]:
    if not isinstance(batch, (tuple, list)) or len(batch) < 2:
        raise ValueError(
            "fit: each batch must be a pair (inputs, targets), as a DataLoader over "
            f"TensorDataset(x, y) yields; received {type(batch).__name__}."
        )
    return batch[0], batch[1]


def _size(x) -> int:
    return len(x) if getattr(x, "ndim", 1) else 1


class Trainer:
    """The state ``fit`` shares with callbacks: model, optimizer, scheduler, history, and a
    ``stop_training`` flag a callback may set to end training after the current epoch."""

    def __init__(self, model, loss_fn, optimizer, train_loader, scheduler=None) -> None:
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.train_loader, self.scheduler = train_loader, scheduler
        self.history = History()
        self.stop_training = False
        self.epoch = 0

    def save(self, path: str | os.PathLike, epoch: int) -> None:
        """A checkpoint of everything needed to continue exactly after ``epoch`` epochs."""
        save_checkpoint(
            path,
            self.model,
            self.optimizer,
            self.scheduler,
            epoch=epoch,
            extra={"history": self.history.to_dict()},
            loaders=[self.train_loader],
        )


def _progress(iterable, total: int, description: str, enabled: bool | None):
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return iterable
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return iterable  # progress bars are optional: pip install "scratchdl[data]"
    return tqdm(iterable, total=total, desc=description, leave=False, dynamic_ncols=True)


def fit(
    model,
    loss_fn: Callable,
    optimizer,
    train_loader: Iterable,
    epochs: int,
    val_loader: Iterable | None = None,
    metrics: MetricSpec = None,
    callbacks: Sequence[Callback] | None = None,
    scheduler=None,
    scheduler_interval: str = "epoch",
    resume: str | os.PathLike | None = None,
    checkpoint: str | os.PathLike | None = None,
    progress: bool | None = None,
    verbose: bool = False,
) -> History:
    """Train ``model`` for ``epochs`` epochs and return the ``History``.

    Parameters
    ----------
    model, loss_fn, optimizer : the Module, a function ``loss_fn(output, target)``, an Optimizer.
    train_loader, val_loader : iterables of (inputs, targets) batches (DataLoaders).
    epochs : int
        The total number of epochs; with ``resume`` the count includes the epochs already done.
    metrics : names ('accuracy', 'precision', 'recall', 'f1_score'), computed over the whole
        epoch from the outputs read as logits (as BCEWithLogitsLoss and CrossEntropyLoss take
        them; macro-averaged for several classes), or {name: fn(output, target)} averaged
        over batches (use this for probabilities or regression).
    callbacks : Callback objects (EarlyStopping, ModelCheckpoint, CSVLogger, ...).
    scheduler : a learning-rate scheduler, stepped every epoch (or every batch with
        ``scheduler_interval="step"``; ReduceLROnPlateau gets ``val_loss``, else ``loss``).
    resume : a checkpoint written by ``checkpoint=`` or ModelCheckpoint: training continues
        from it exactly (weights, optimizer and scheduler state, RNG, data order, history).
    checkpoint : a path rewritten after every epoch; a Ctrl-C also saves there (or to
        ``interrupted.ckpt`` without it) before stopping.
    progress : show a progress bar per epoch (default: only on a terminal).
    verbose : print one line per epoch.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative integer; received {epochs!r}.")
    _EpochMetrics(metrics)  # unknown metric names fail here, before any training
    trainer = Trainer(model, loss_fn, optimizer, train_loader, scheduler)
    callbacks = list(callbacks or [])
    if scheduler is not None:
        callbacks.append(LRSchedulerCallback(scheduler, interval=scheduler_interval))
    start = 0
    if resume is not None:
        start, extra = load_checkpoint(resume, model, optimizer, scheduler, loaders=[train_loader])
        start = int(start or 0)
        trainer.history = History((extra or {}).get("history"))
    for callback in callbacks:
        callback.on_train_begin(trainer)
    epoch = start
    try:
        for epoch in range(start, epochs):
            trainer.epoch = epoch
            logs = _train_epoch(trainer, metrics, callbacks, epoch, epochs, progress)
            if val_loader is not None:
                results = evaluate(model, loss_fn, val_loader, metrics=metrics)
                logs.update({f"val_{k}": v for k, v in results.items()})
            logs["lr"] = float(optimizer.param_groups[0]["lr"])  # the rate used this epoch
            trainer.history.append(logs)
            for callback in callbacks:
                callback.on_epoch_end(trainer, epoch, logs)
            if checkpoint is not None:
                trainer.save(checkpoint, epoch + 1)
            if verbose:
                shown = "  ".join(f"{k} {v:.4f}" for k, v in logs.items())
                print(f"epoch {epoch + 1}/{epochs}  {shown}")
            if trainer.stop_training:
                break
    except KeyboardInterrupt:
        path = checkpoint if checkpoint is not None else "interrupted.ckpt"
        trainer.save(path, epoch)  # the interrupted epoch runs again on resume
        print(f"\nInterrupted: checkpoint saved to {os.fspath(path)}; fit(..., resume=that path)")
        raise
    for callback in callbacks:
        callback.on_train_end(trainer)
    return trainer.history


def _train_epoch(trainer: Trainer, metrics, callbacks, epoch: int, epochs: int, progress) -> dict:
    model, loss_fn, optimizer = trainer.model, trainer.loss_fn, trainer.optimizer
    model.train()
    for callback in callbacks:
        callback.on_epoch_begin(trainer, epoch)
    total_loss, seen = 0.0, 0
    tracker = _EpochMetrics(metrics)
    batches = _progress(
        trainer.train_loader, _length(trainer.train_loader), f"epoch {epoch + 1}/{epochs}", progress
    )
    for index, batch in enumerate(batches):
        x, y = _split_batch(batch)
        output = model(x)  # the five lines of every training step
        loss = loss_fn(output, y)
        optimizer.zero_grad()
        loss.backward()
        for callback in callbacks:
            callback.on_after_backward(trainer)
        optimizer.step()

        n = _size(x)
        value = loss.item()
        total_loss += value * n
        seen += n
        tracker.update(output.detach(), y, n)
        if hasattr(batches, "set_postfix"):
            batches.set_postfix(loss=f"{total_loss / seen:.4f}")
        for callback in callbacks:
            callback.on_batch_end(trainer, index, value)
    if seen == 0:
        raise ValueError("fit: the training loader yielded no batches (is the dataset empty?).")
    return {"loss": total_loss / seen, **tracker.result()}


def _length(loader) -> int | None:
    try:
        return len(loader)
    except TypeError:
        return None


def evaluate(model, loss_fn: Callable, loader: Iterable, metrics: MetricSpec = None) -> dict:
    """Mean loss and metrics of ``model`` over ``loader``, in eval mode and without a graph."""
    tracker = _EpochMetrics(metrics)
    was_training = model.training
    model.eval()
    total_loss, seen = 0.0, 0
    try:
        with no_grad():
            for batch in loader:
                x, y = _split_batch(batch)
                output = model(x)
                n = _size(x)
                total_loss += loss_fn(output, y).item() * n
                seen += n
                tracker.update(output, y, n)
    finally:
        model.train(was_training)
    if seen == 0:
        raise ValueError("evaluate: the loader yielded no batches (is the dataset empty?).")
    return {"loss": total_loss / seen, **tracker.result()}


def predict(model, data, batch_size: int = 256) -> Tensor:
    """The model's outputs for ``data`` (a Tensor/array, or a loader of batches), in eval mode."""
    from scratchdl.ops.join import concatenate

    was_training = model.training
    model.eval()
    outputs = []
    try:
        with no_grad():
            if isinstance(data, (Tensor, np.ndarray)):
                array = data.data if isinstance(data, Tensor) else data
                for start in range(0, len(array), batch_size):
                    outputs.append(model(Tensor._from_op(array[start : start + batch_size], None)))
            else:
                for batch in data:
                    x = batch[0] if isinstance(batch, (tuple, list)) else batch
                    outputs.append(model(x))
    finally:
        model.train(was_training)
    if not outputs:
        raise ValueError("predict: no data was given (an empty array or loader).")
    return concatenate(outputs, axis=0)

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

Order at the end of an epoch: validation, then the scheduler's step, then the callbacks'
``on_epoch_end`` in the order given, then the files (``ModelCheckpoint``'s, then
``checkpoint=``). So every file holds the scheduler and the callbacks as they are after the
epoch, and resuming from any of them is exact.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from scratchdl.autograd.grad_mode import no_grad
from scratchdl.errors import ShapeError
from scratchdl.tensor import Tensor
from scratchdl.train import metrics as metric_functions
from scratchdl.train.callbacks import (
    Callback,
    LRSchedulerCallback,
    callback_states,
    load_callback_states,
)
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

    def __init__(self, metrics: MetricSpec, owner: str = "fit") -> None:
        self.owner = owner
        if metrics is None:
            metrics = ()
        custom = dict(metrics) if isinstance(metrics, dict) else {}
        named = [] if isinstance(metrics, dict) else list(metrics)
        for name in named:
            if name not in _NAMED:
                raise ValueError(
                    f"{owner}: unknown metric {name!r}; use one of {', '.join(map(repr, _NAMED))}, "
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
            if target.size != len(self.predicted[-1]):
                raise self._target_error(output, target)
            self.targets.append(target.reshape(len(self.predicted[-1])).astype(np.int64))
            self.classes = max(self.classes, output.shape[-1] if output.ndim > 1 else 1)
        for name, function in self.custom.items():
            self.sums[name] += float(function(output, target)) * n
        self.seen += n

    def _target_error(self, output: Tensor, target: np.ndarray) -> ShapeError:
        shape = tuple(output.shape)
        message = (
            f"{self.owner}: metrics {self.named} compare one class label per example with the "
            f"predicted class; received targets of shape {target.shape} for outputs of shape "
            f"{shape}. Expected targets of shape ({shape[0]},) or ({shape[0]}, 1)."
        )
        if target.ndim == 2 and len(shape) == 2 and target.shape[1] == shape[1] > 1:
            return ShapeError(
                message + "\nhelp: the targets look one-hot; give the class indices instead, "
                "target.argmax(axis=1) (e.g. TensorDataset(x, y.argmax(axis=1))), or pass "
                "metrics as {name: fn(output, target)} to compare one-hot rows yourself."
            )
        return ShapeError(message)

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
    ``stop_training`` flag a callback may set to end training after the current epoch.

    ``callbacks`` are the user's callbacks; their ``state_dict()`` goes into every checkpoint
    ``save`` writes, under ``extra["callbacks"]``, keyed ``"<position>.<class name>"``.
    """

    def __init__(
        self,
        model,
        loss_fn,
        optimizer,
        train_loader,
        scheduler=None,
        *,
        val_loader=None,
        metrics: MetricSpec = None,
        callbacks: Sequence[Callback] = (),
    ) -> None:
        self.model, self.loss_fn, self.optimizer = model, loss_fn, optimizer
        self.train_loader, self.scheduler = train_loader, scheduler
        self.val_loader, self.metrics = val_loader, metrics
        self.callbacks = list(callbacks)
        self.history = History()
        self.stop_training = False
        self.epoch = 0
        self._saves: list[tuple[str | os.PathLike, int]] = []

    def save(self, path: str | os.PathLike, epoch: int) -> None:
        """A checkpoint of everything needed to continue exactly after ``epoch`` epochs."""
        save_checkpoint(
            path,
            self.model,
            self.optimizer,
            self.scheduler,
            epoch=epoch,
            extra={"history": self.history.to_dict(), "callbacks": callback_states(self.callbacks)},
            loaders=[self.train_loader],
        )

    def save_after_epoch(self, path: str | os.PathLike, epoch: int) -> None:
        """``save`` once every callback has finished the epoch (what ModelCheckpoint uses)."""
        self._saves.append((path, epoch))

    def _write_requested(self) -> None:
        saves, self._saves = self._saves, []
        for path, epoch in saves:
            self.save(path, epoch)

    def check_monitor(self, owner: str, monitor: str) -> None:
        """Raise before training when ``fit`` can never produce the log key ``monitor``.

        A ``val_*`` key needs ``val_loader``; a named metric needs ``metrics=[name]``. Any
        other missing key may still be added by a callback, so it is checked at the first
        epoch end instead.
        """
        base = monitor.removeprefix("val_")
        if monitor.startswith("val_") and self.val_loader is None:
            raise ValueError(
                f"{owner}: monitor={monitor!r} is a validation value, but fit was given no "
                f"val_loader. help: pass val_loader=... to fit, or monitor={base!r} to watch "
                "the training value."
            )
        named = [] if isinstance(self.metrics, dict) else list(self.metrics or ())
        custom = self.metrics if isinstance(self.metrics, dict) else {}
        if base in _NAMED and base not in named and base not in custom:
            raise ValueError(
                f"{owner}: monitor={monitor!r}, but {base!r} is not among fit's metrics "
                f"(metrics={self.metrics!r}). help: pass metrics=[{base!r}] to fit."
            )


def _progress_bar(total: int | None, description: str, enabled: bool | None):
    """A tqdm bar kept on screen after its epoch, or None (off, not a terminal, no tqdm)."""
    if enabled is None:
        enabled = sys.stderr.isatty()
    if not enabled:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None  # progress bars are optional: pip install "scratchdl[data]"
    return tqdm(total=total, desc=description, leave=True, dynamic_ncols=True)


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
        them; macro-averaged for several classes) against integer class labels, or
        {name: fn(output, target)} averaged over batches (use this for probabilities,
        one-hot targets or regression).
    callbacks : Callback objects (EarlyStopping, ModelCheckpoint, CSVLogger, ...). Each gets
        ``on_train_begin`` (where stateful ones reset), then with ``resume`` its saved state.
    scheduler : a learning-rate scheduler, stepped every epoch (or every batch with
        ``scheduler_interval="step"``; ReduceLROnPlateau gets ``val_loss``, else ``loss``).
        It steps before the callbacks' ``on_epoch_end``, so they save it already stepped.
    resume : a checkpoint written by ``checkpoint=`` or ModelCheckpoint: training continues
        from it exactly (weights, optimizer and scheduler state, RNG, data order, history,
        callbacks' state such as EarlyStopping's patience count).
    checkpoint : a path rewritten after every complete epoch. A Ctrl-C leaves it alone (it
        still holds the last complete epoch, for an exact resume) and saves the interrupted
        state to ``<checkpoint>.interrupted``, or ``interrupted.ckpt`` without ``checkpoint``
        (``.1``, ``.2``, ... before the extension rather than overwrite a file).
    progress : show a progress bar per epoch with the running loss, left on screen with the
        epoch's loss and metrics (default: only on a terminal).
    verbose : print one line per epoch.

    Returns
    -------
    History
        One value per epoch of ``loss``, each metric, ``val_*`` with ``val_loader``, and ``lr``:
        the learning rate at the start of the epoch, the one its first step used (with
        ``scheduler_interval="step"`` the rate then changes within the epoch).
    """
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"fit: epochs must be a non-negative integer; received {epochs!r}.")
    _EpochMetrics(metrics)  # unknown metric names fail here, before any training
    callbacks = list(callbacks or [])
    trainer = Trainer(
        model,
        loss_fn,
        optimizer,
        train_loader,
        scheduler,
        val_loader=val_loader,
        metrics=metrics,
        callbacks=callbacks,
    )
    if scheduler is not None:  # first: the callbacks then see (and save) the stepped scheduler
        callbacks = [LRSchedulerCallback(scheduler, interval=scheduler_interval), *callbacks]
    start, saved_callbacks = 0, None
    if resume is not None:
        start, extra = load_checkpoint(resume, model, optimizer, scheduler, loaders=[train_loader])
        start, extra = int(start or 0), (extra or {})
        trainer.history = History(extra.get("history"))
        saved_callbacks = extra.get("callbacks")
        if epochs <= start:
            warnings.warn(
                f"fit: the checkpoint {os.fspath(resume)!r} has already trained {start} epochs and "
                f"epochs={epochs} is the total to reach, so there is nothing left to train. "
                f"help: pass epochs > {start} to train more.",
                UserWarning,
                stacklevel=2,
            )
    for callback in callbacks:
        callback.on_train_begin(trainer)
    if resume is not None:
        missing = load_callback_states(trainer.callbacks, saved_callbacks)
        if missing:
            warnings.warn(
                f"fit: the checkpoint {os.fspath(resume)!r} holds no state for the callbacks "
                f"{missing} (matched by position and class name), so they start afresh and the "
                "run may differ from an uninterrupted one. help: pass the callbacks of the run "
                "that wrote the checkpoint, in the same order.",
                UserWarning,
                stacklevel=2,
            )
    same_file = resume and checkpoint and os.path.abspath(resume) == os.path.abspath(checkpoint)
    last_complete = start if same_file else None  # the epoch the checkpoint= file now holds
    epoch = start
    try:
        for epoch in range(start, epochs):
            trainer.epoch = epoch
            lr = float(optimizer.param_groups[0]["lr"])  # the rate of the epoch's first step
            bar = _progress_bar(_length(train_loader), f"epoch {epoch + 1}/{epochs}", progress)
            try:
                logs = _train_epoch(trainer, metrics, callbacks, epoch, bar)
                if val_loader is not None:
                    results = evaluate(model, loss_fn, val_loader, metrics=metrics)
                    logs.update({f"val_{k}": v for k, v in results.items()})
                logs["lr"] = lr
                if bar is not None:  # the epoch's values stay on screen under the bar
                    bar.set_postfix({k: f"{v:.4f}" for k, v in logs.items() if k != "lr"})
            finally:
                if bar is not None:
                    bar.close()
            trainer.history.append(logs)
            for callback in callbacks:
                callback.on_epoch_end(trainer, epoch, logs)
            trainer._write_requested()  # ModelCheckpoint's files, after every callback
            if checkpoint is not None:
                trainer.save(checkpoint, epoch + 1)
                last_complete = epoch + 1
            if verbose:
                shown = "  ".join(f"{k} {v:.4f}" for k, v in logs.items())
                print(f"epoch {epoch + 1}/{epochs}  {shown}")
            if trainer.stop_training:
                break
    except KeyboardInterrupt:
        _save_interrupted(trainer, checkpoint, last_complete, epoch, epochs)
        raise
    for callback in callbacks:
        callback.on_train_end(trainer)
    return trainer.history


def _free_path(path: str) -> str:
    """``path``, or ``stem.1.suffix``, ``stem.2.suffix`` ...: the first name not yet taken."""
    root, extension = os.path.splitext(path)
    candidate, number = path, 1
    while os.path.exists(candidate):
        candidate, number = f"{root}.{number}{extension}", number + 1
    return candidate


def _save_interrupted(trainer, checkpoint, last_complete, epoch: int, epochs: int) -> None:
    """Ctrl-C: keep ``checkpoint`` (the last complete epoch) and save the rest beside it."""
    base = f"{os.fspath(checkpoint)}.interrupted" if checkpoint is not None else "interrupted.ckpt"
    path = _free_path(base)
    trainer.save(path, epoch)  # labelled with the interrupted epoch, which runs again on resume
    lines = [f"\nInterrupted during epoch {epoch + 1}/{epochs}."]
    if checkpoint is None:
        lines.append("  No checkpoint= path was given, so there is no exact resume point.")
    elif last_complete is None:
        lines.append(f"  {os.fspath(checkpoint)}: not written (no epoch of this run completed).")
    else:
        lines.append(
            f"  {os.fspath(checkpoint)}: after epoch {last_complete}, the last complete one; "
            "fit(..., resume=<this path>) continues exactly as if never interrupted."
        )
    lines.append(
        f"  {path}: the weights part-way through epoch {epoch + 1}; fit(..., resume=<this path>) "
        f"restarts epoch {epoch + 1} from these partially trained weights (not exact)."
    )
    print("\n".join(lines))


def _train_epoch(trainer: Trainer, metrics, callbacks, epoch: int, bar) -> dict:
    model, loss_fn, optimizer = trainer.model, trainer.loss_fn, trainer.optimizer
    model.train()
    for callback in callbacks:
        callback.on_epoch_begin(trainer, epoch)
    total_loss, seen = 0.0, 0
    tracker = _EpochMetrics(metrics)
    for index, batch in enumerate(trainer.train_loader):
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
        if bar is not None:  # the running mean of the epoch's loss so far
            bar.set_postfix(loss=f"{total_loss / seen:.4f}", refresh=False)
            bar.update(1)
        for callback in callbacks:
            callback.on_batch_end(trainer, index, value)
    if seen == 0:
        raise ValueError(_no_batches("fit", "the training loader", trainer.train_loader))
    return {"loss": total_loss / seen, **tracker.result()}


def _no_batches(owner: str, what: str, loader) -> str:
    """Why a loader gave nothing: an empty dataset, or drop_last with too few examples."""
    dataset, batch_size = getattr(loader, "dataset", None), getattr(loader, "batch_size", None)
    size = _length(dataset) if dataset is not None else None
    if getattr(loader, "drop_last", False) and size and batch_size and size < batch_size:
        return (
            f"{owner}: {what} yielded no batches: its dataset has {size} examples, fewer than "
            f"batch_size={batch_size}, and drop_last=True drops that one incomplete batch. "
            f"help: pass drop_last=False, or a batch_size of at most {size}."
        )
    return f"{owner}: {what} yielded no batches (is the dataset empty?)."


def _length(loader) -> int | None:
    try:
        return len(loader)
    except TypeError:
        return None


def evaluate(model, loss_fn: Callable, loader: Iterable, metrics: MetricSpec = None) -> dict:
    """Mean loss and metrics of ``model`` over ``loader``, in eval mode and without a graph."""
    tracker = _EpochMetrics(metrics, owner="evaluate")
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
        raise ValueError(_no_batches("evaluate", "the loader", loader))
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

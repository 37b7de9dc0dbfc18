"""Checkpoints: everything a training run needs to continue exactly where it stopped.

A checkpoint is one file written by ``scratchdl.save`` (safetensors plus JSON, atomic, no
pickle) holding one dict::

    {
        "format": "scratchdl.checkpoint",
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict() or None,
        "scheduler": scheduler.state_dict() or None,
        "epoch": epoch,
        "rng": {"global": <the global generator's bit_generator.state>},
        "loaders": [loader.state_dict() or None, ...],
        "extra": extra,
    }

"Exactly" means bit-identical: after ``load_checkpoint`` into freshly built objects, the next
steps give the same parameters as if the run had never stopped. That needs more than the weights:
Adam's moment estimates and step count, the scheduler's position, the global random generator
(dropout masks, shuffling that uses it) and each DataLoader's own generator and position.

Typical use::

    save_checkpoint("last.safetensors", model, opt, sched, epoch=epoch, loaders=[loader])
    ...
    epoch, extra = load_checkpoint("last.safetensors", model, opt, sched, loaders=[loader])
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any, NamedTuple

from scratchdl import backend
from scratchdl.serialization import load, save

__all__ = ["LoadedCheckpoint", "load_checkpoint", "save_checkpoint"]

_FORMAT = "scratchdl.checkpoint"


class LoadedCheckpoint(NamedTuple):
    """What ``load_checkpoint`` returns besides restoring the objects: ``epoch, extra = ...``."""

    epoch: Any
    extra: Any


def save_checkpoint(
    path: str | os.PathLike,
    model: Any,
    optimizer: Any = None,
    scheduler: Any = None,
    epoch: int | None = None,
    extra: Any = None,
    loaders: Sequence[Any] = (),
) -> None:
    """Write model, optimizer, scheduler, epoch, RNG and loader states to ``path`` (atomically).

    Parameters
    ----------
    path : str or path-like
        The checkpoint file (``.safetensors`` suffix suggested).
    model : Module
        Its ``state_dict()`` is stored.
    optimizer, scheduler : optional
        Anything with ``state_dict()``; stored when given.
    epoch : int, optional
        Usually the number of epochs completed; returned by ``load_checkpoint``.
    extra : optional
        Any value ``scratchdl.save`` accepts (dicts, lists, numbers, strings, arrays), e.g. the
        best validation loss or the training history; returned by ``load_checkpoint``.
    loaders : sequence, optional
        DataLoaders (or anything) whose ``state_dict()`` is stored, in order; an object without
        one is recorded as ``None``.
    """
    _check_has(model, "save_checkpoint", "model", "state_dict")
    for name, obj in (("optimizer", optimizer), ("scheduler", scheduler)):
        if obj is not None:
            _check_has(obj, "save_checkpoint", name, "state_dict")
    checkpoint = {
        "format": _FORMAT,
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "scheduler": scheduler.state_dict() if scheduler is not None else None,
        "epoch": epoch,
        "rng": {"global": backend.get_rng_state()},
        "loaders": [
            loader.state_dict() if callable(getattr(loader, "state_dict", None)) else None
            for loader in _as_list(loaders, "save_checkpoint")
        ],
        "extra": extra,
    }
    save(checkpoint, path)


def load_checkpoint(
    path: str | os.PathLike,
    model: Any,
    optimizer: Any = None,
    scheduler: Any = None,
    loaders: Sequence[Any] = (),
) -> LoadedCheckpoint:
    """Restore a checkpoint written by ``save_checkpoint`` into the given objects.

    The model's, optimizer's and scheduler's ``load_state_dict`` are called, the global random
    generator's state is set back in place, and each loader that has ``load_state_dict`` gets its
    saved state (the loaders must be given in the order they were saved). Pass ``None`` for the
    optimizer or scheduler to skip them (for example to evaluate a saved model).

    Returns
    -------
    LoadedCheckpoint
        ``(epoch, extra)`` as they were given to ``save_checkpoint``.

    Raises
    ------
    ValueError
        If the file is not a checkpoint, or an object was asked for that the checkpoint lacks
        (an optimizer state when none was saved, more loaders than were saved).
    """
    checkpoint = load(path)
    where = f"load_checkpoint({os.fspath(path)!r})"
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != _FORMAT:
        raise ValueError(
            f"{where}: the file was written by scratchdl.save but is not a checkpoint (no "
            f"'format': {_FORMAT!r} entry). help: read it with scratchdl.load(path), or write "
            "checkpoints with save_checkpoint."
        )
    loaders = _as_list(loaders, "load_checkpoint")
    saved_loaders = checkpoint["loaders"]
    problems = []
    for name, obj in (("optimizer", optimizer), ("scheduler", scheduler)):
        if obj is not None and checkpoint[name] is None:
            problems.append(f"{name}= was given but the checkpoint has no {name} state")
    if len(loaders) > len(saved_loaders):
        problems.append(
            f"{len(loaders)} loaders were given but the checkpoint holds {len(saved_loaders)}"
        )
    for index, (loader, state) in enumerate(zip(loaders, saved_loaders)):
        if state is not None and not callable(getattr(loader, "load_state_dict", None)):
            problems.append(f"loaders[{index}] has saved state but no load_state_dict()")
    if problems:
        raise ValueError(f"{where}: " + "; ".join(problems) + ".")

    model.load_state_dict(checkpoint["model"])
    if optimizer is not None:
        optimizer.load_state_dict(checkpoint["optimizer"])
    if scheduler is not None:
        scheduler.load_state_dict(checkpoint["scheduler"])
    for loader, state in zip(loaders, saved_loaders):
        if state is not None:
            loader.load_state_dict(state)
    backend.set_rng_state(checkpoint["rng"]["global"])
    return LoadedCheckpoint(checkpoint["epoch"], checkpoint["extra"])


def _check_has(obj: Any, owner: str, name: str, method: str) -> None:
    if not callable(getattr(obj, method, None)):
        raise TypeError(
            f"{owner}: {name} must have a {method}() method; received {type(obj).__name__}."
        )


def _as_list(loaders: Any, owner: str) -> list[Any]:
    if loaders is None:
        return []
    if not isinstance(loaders, (list, tuple)):
        raise TypeError(
            f"{owner}: loaders must be a list or tuple of DataLoaders; received "
            f"{type(loaders).__name__}. help: wrap a single loader as loaders=[loader]."
        )
    return list(loaders)

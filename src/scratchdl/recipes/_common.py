"""What every recipe shares: its output folder, the standard classifier run, and the report.

A recipe is a module with a docstring that states the result it reproduces and a function
``run(epochs=None, seed=0, out=None, quick=False) -> dict`` that trains, writes

* ``metrics.json``: fractions in [0, 1] (and losses) under plain keys such as
  ``train_accuracy``, ``test_accuracy``, ``test_loss``;
* ``history.json``: the per-epoch History;
* ``model.ckpt``: the final checkpoint (model, optimizer, RNG, the training loader's shuffling
  state, the history), readable with ``scratchdl.train.load_checkpoint``; ``fit(...,
  resume=<it>)`` with the same model, optimizer and loader trains on exactly as a longer run
  would. (``deep``, which has no Module, writes ``params.safetensors`` instead.)

into ``out`` (default ``runs/<recipe>``), and returns the metrics. ``quick=True`` is the short
version the test suite runs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from scratchdl.backend import manual_seed
from scratchdl.serialization import write_atomically


def output_folder(name: str, out: str | os.PathLike | None) -> Path:
    folder = Path(out) if out is not None else Path("runs") / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically (temp file + rename)."""
    write_atomically(path, lambda: json.dumps(data, indent=2, default=_plain).encode())


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"cannot write {type(value).__name__} to JSON")


def train_classifier(
    name: str,
    build_model: Callable[[], Any],
    train_set,
    test_set,
    *,
    epochs: int,
    batch_size: int,
    seed: int,
    out,
    lr: float = 1e-3,
    make_optimizer: Callable[[Any], Any] | None = None,
    extra_metrics: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Seed, build the model, train it with fit, evaluate on both sets, write the outputs.

    ``build_model()`` runs after ``manual_seed(seed)``, so the initial weights follow the seed
    as well as the data order and dropout. The optimizer is Adam(lr) unless
    ``make_optimizer(parameters)`` builds another (plain SGD for the classic recipes). Binary
    sets (targets of shape (N, 1)) use BCE-with-logits, multi-class sets cross-entropy.
    ``extra_metrics`` (a sweep's results, say) are added to metrics.json after the standard keys.
    """
    from scratchdl import nn, optim
    from scratchdl.data import DataLoader
    from scratchdl.train import evaluate, fit, save_checkpoint

    manual_seed(seed)
    model = build_model()
    if make_optimizer is None:
        opt = optim.Adam(model.parameters(), lr=lr)
    else:
        opt = make_optimizer(model.parameters())
    targets = train_set[np.arange(1)][1]
    binary = targets.ndim == 2 and targets.shape[1] == 1
    loss_fn = nn.BCEWithLogitsLoss() if binary else nn.CrossEntropyLoss()
    generator = np.random.default_rng(seed)
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, generator=generator)
    history = fit(model, loss_fn, opt, train_loader, epochs, metrics=["accuracy"])
    train_results = evaluate(model, loss_fn, DataLoader(train_set, batch_size=512), ["accuracy"])
    test_results = evaluate(model, loss_fn, DataLoader(test_set, batch_size=512), ["accuracy"])
    metrics: dict[str, Any] = {
        "train_accuracy": train_results["accuracy"],
        "train_loss": train_results["loss"],
        "test_accuracy": test_results["accuracy"],
        "test_loss": test_results["loss"],
        "epochs": epochs,
        "seed": seed,
        **(extra_metrics or {}),
    }
    folder = output_folder(name, out)
    save_checkpoint(
        folder / "model.ckpt",
        model,
        opt,
        epoch=epochs,
        extra={"history": history.to_dict()},
        loaders=[train_loader],  # its shuffling state: without it fit(resume=...) refuses the file
    )
    write_json(folder / "history.json", history.to_dict())
    write_json(folder / "metrics.json", metrics)
    return metrics


def report(name: str, metrics: dict[str, float], out) -> str:
    """The one-line result every recipe prints."""
    shown = "  ".join(
        f"{key} {value:.4f}" if isinstance(value, float) else f"{key} {value}"
        for key, value in metrics.items()
        if key not in ("seed",)
    )
    folder = Path(out) if out is not None else Path("runs") / name
    return f"{name}: {shown}  (outputs in {folder})"

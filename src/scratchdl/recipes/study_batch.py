"""study-batch: full-batch vs mini-batch vs stochastic gradient descent.

One network (2 -> 32 -> 32 -> 1, ReLU), one initial state, one learning rate (plain SGD, 0.05),
500 two-moons training points (noise 0.2); only the number of examples per step changes:

* full batch (500): one exact gradient per epoch. A step is cheap per example (one large matrix
  product instead of many small ones), but an epoch is a single step, so the loss falls slowly
  per epoch.
* mini-batch (32): 16 steps per epoch, each on a noisy but decent estimate of the gradient.
* stochastic (1): 500 steps per epoch, one example each. The most progress per epoch, but the
  steps are noisy (the loss jitters), and each pays the fixed Python and NumPy overhead of a
  whole step for one example's worth of arithmetic, so an epoch takes far longer.

Two comparisons. Per epoch: all three train for ``epochs`` passes over the data (30 in the full
run). Per second: the cheaper methods then go on, mini-batch to 20 times and full batch to 200
times as many epochs, which on a 2-core machine takes each about as long as the stochastic run,
so the loss-against-time curves cover the same span. The loss is measured on the whole training
set after the epoch, the same way for all three, and the time axis counts the training steps
only (from the first step of each epoch to its last), not these measurements.

Expected result: per epoch, stochastic < mini-batch < full batch in loss; per second, one epoch
of stochastic steps costs hundreds of times a full-batch epoch, and mini-batch reaches a low loss
first: the reason mini-batches are the default. Measured on the full run (seed 0, about 7 s on
2 shared cores; times vary from run to run): training loss after 30 epochs full batch 0.582,
mini-batch 0.245, stochastic 0.062; time per epoch 0.25 ms, 2.4 ms and 81 ms (stochastic /
full = 323); training seconds until the loss is below 0.1 (``seconds_to_loss_0.1``): mini-batch
0.33, full batch 0.45, stochastic 0.47; at the end of the time comparison (1.4 to 2.4 s each)
full batch 0.057, mini-batch 0.053.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from scratchdl import nn, optim
from scratchdl.models import MLP
from scratchdl.recipes._common import (
    EpochScores,
    draw_figures,
    initial_state,
    moons_split,
    output_folder,
    score,
    train_run,
)
from scratchdl.recipes._report import finish_study
from scratchdl.train import Callback

NAME = "study-batch"
SUMMARY = "full batch vs mini-batch vs stochastic: loss per epoch and per second"

TRAIN_SIZE = 500
LEARNING_RATE = 0.05
NOISE = 0.2
MINI_BATCH = 32
BATCH_SIZES = {"full batch": TRAIN_SIZE, "mini-batch": MINI_BATCH, "stochastic": 1}
TARGET_LOSS = 0.1  # the time comparison's yardstick: training seconds until the loss is below
# Epochs per stochastic epoch in the time comparison: about equal training time for each.
EPOCH_FACTORS = {"full batch": 200, "mini-batch": 20, "stochastic": 1}


class TrainingTimer(Callback):
    """Cumulative training seconds after each epoch: from its first step to its last one.

    What happens between epochs (validation, other callbacks) is left out, so the times
    compare the training steps alone.
    """

    def __init__(self) -> None:
        self.seconds: list[float] = []

    def on_train_begin(self, trainer) -> None:
        self.seconds = []

    def on_epoch_begin(self, trainer, epoch: int) -> None:
        self._begin = self._end = time.perf_counter()

    def on_batch_end(self, trainer, batch: int, loss: float) -> None:
        self._end = time.perf_counter()

    def on_epoch_end(self, trainer, epoch: int, logs: dict[str, float]) -> None:
        before = self.seconds[-1] if self.seconds else 0.0
        self.seconds.append(before + self._end - self._begin)


def build_model() -> nn.Sequential:
    """2 -> 32 -> 32 -> 1 with ReLU, PyTorch's default initialisation."""
    return MLP([2, 32, 32, 1], nn.ReLU)


def run(epochs: int | None = None, seed: int = 0, out=None, quick: bool = False) -> dict:
    """``epochs``: passes over the data that all three make (the per-epoch comparison); for the
    time comparison full batch and mini-batch go on to ``EPOCH_FACTORS`` times as many."""
    epochs = epochs if epochs is not None else (3 if quick else 30)
    train_set, test_set = moons_split(TRAIN_SIZE, NOISE, seed)
    start = initial_state(build_model, seed)
    scores, seconds, runs, histories = {}, {}, {}, {}
    for name, batch_size in BATCH_SIZES.items():
        model = build_model()
        model.load_state_dict(start)
        factor = EPOCH_FACTORS[name]
        timer = TrainingTimer()
        # Every epoch of the shared span, then about as many points again over the rest.
        tracker = EpochScores(
            {"train": train_set}, when=lambda e, f=factor: e <= epochs or e % f == 0
        )
        history, _ = train_run(
            model,
            optim.SGD(model.parameters(), lr=LEARNING_RATE),
            train_set,
            epochs=epochs * factor,
            batch_size=batch_size,
            seed=seed,
            callbacks=[timer, tracker],
        )
        test = score(model, test_set)
        histories[name], scores[name] = history, tracker.history
        scored = tracker.history["epoch"]
        seconds[name] = [timer.seconds[epoch - 1] for epoch in scored]
        runs[name] = {
            "batch_size": batch_size,
            "steps_per_epoch": -(-TRAIN_SIZE // batch_size),
            "first_epoch_loss": tracker.history["train_loss"][0],
            "shared_epochs_loss": tracker.history["train_loss"][scored.index(epochs)],
            "seconds_per_epoch": timer.seconds[-1] / (epochs * factor),
            "epochs_in_time_comparison": epochs * factor,
            "training_seconds": timer.seconds[-1],
            "final_train_loss": tracker.history["train_loss"][-1],
            f"seconds_to_loss_{TARGET_LOSS}": _first_time_below(
                tracker.history["train_loss"], seconds[name], TARGET_LOSS
            ),
            "test_accuracy": test["accuracy"],
        }
    metrics: dict[str, Any] = {
        "epochs": epochs,
        "seed": seed,
        "stochastic_over_full_seconds_per_epoch": runs["stochastic"]["seconds_per_epoch"]
        / runs["full batch"]["seconds_per_epoch"],
        "runs": runs,
    }
    folder = output_folder(NAME, out)
    figures = draw_figures(lambda: _figures(folder, scores, seconds, runs, epochs))
    config = {
        "data": f"moons, {TRAIN_SIZE} train / 1000 test points, noise {NOISE}",
        "model": "2-32-32-1 MLP, ReLU, one shared initial state",
        "optimizer": f"SGD without momentum, lr {LEARNING_RATE}",
        "batch_sizes": dict(BATCH_SIZES),
        "epochs (all three)": epochs,
        "epochs in the time comparison": {
            name: epochs * factor for name, factor in EPOCH_FACTORS.items()
        },
        "seed": seed,
    }
    return finish_study(
        folder,
        title=f"{NAME}: {SUMMARY}",
        description=__doc__,
        config=config,
        metrics=metrics,
        histories=histories,
        figures=figures,
    )


def _first_time_below(losses: list[float], seconds: list[float], target: float) -> float | None:
    """The training seconds at the first measured loss below ``target`` (None if never)."""
    for loss, elapsed in zip(losses, seconds):
        if loss < target:
            return elapsed
    return None


def _figures(folder: Path, scores, seconds, runs, epochs: int) -> list:
    from scratchdl.viz import plot_bar, plot_comparison

    labels = {name: f"{name} ({run['batch_size']})" for name, run in runs.items()}
    plot_comparison(
        {labels[name]: history["train_loss"][:epochs] for name, history in scores.items()},
        ylabel="training loss (whole set, after the epoch)",
        logy=True,
        title=f"Loss per epoch: the first {epochs} epochs of each",
        path=folder / "loss_vs_epoch.png",
    )
    plot_comparison(
        {labels[name]: history["train_loss"] for name, history in scores.items()},
        x={labels[name]: values for name, values in seconds.items()},
        xlabel="training time (seconds)",
        ylabel="training loss (whole set, after the epoch)",
        logy=True,
        title="Loss per second of training",
        path=folder / "loss_vs_time.png",
    )
    plot_bar(
        {labels[name]: 1000 * run["seconds_per_epoch"] for name, run in runs.items()},
        ylabel="milliseconds per epoch",
        title="Cost of one pass over the data",
        path=folder / "time_per_epoch.png",
    )
    return [
        ("loss_vs_epoch.png", "training loss after each epoch (log scale)"),
        ("loss_vs_time.png", "training loss against the training time spent"),
        ("time_per_epoch.png", "training time of one epoch (this machine, this run)"),
    ]

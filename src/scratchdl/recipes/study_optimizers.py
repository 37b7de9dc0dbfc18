"""study-optimizers: gradient descent, momentum, RMSprop and Adam train the same network.

Four runs that differ only in the update rule. The network (2 -> 32 -> 32 -> 1, ReLU) starts
from one set of initial weights, loaded into every run, and every run sees the same mini-batches
of 64 in the same order, for the same number of steps, with the same learning rate 0.01, on the
two-moons set (1000 training and 1000 test points, noise 0.2):

* GD: plain (mini-batch) gradient descent, w <- w - lr * g. Each step follows the current
  gradient only, so with a small learning rate it crawls across flat regions.
* momentum: SGD with momentum 0.9. The step is a running sum of gradients, b <- 0.9 b + g, so
  consistent directions build up speed (about 1 / (1 - 0.9) = 10 times the plain step).
* RMSprop: each weight's step is divided by a running root-mean-square of its gradients, so
  weights with small gradients get relatively larger steps.
* Adam: momentum and RMSprop together, with bias correction of both running means.

Expected result: at equal steps the adaptive methods (RMSprop, Adam) reach a training loss far
below plain GD's within a few epochs; momentum starts as slowly as GD, gathers speed and nearly
catches up with them by the end. The decision boundaries show GD's still almost straight line
against the curves of the others that follow the moons. Measured on the full run (100 epochs =
1600 steps, seed 0, about 4 s on 2 cores with the figures): final training loss GD 0.271,
momentum 0.082, RMSprop 0.075, Adam 0.075 (Adam / GD = 0.27); test accuracy 88.0%, 96.8%,
96.6%, 96.9%. After 10 epochs (the quick run) the losses are 0.574, 0.275, 0.084 and 0.082.

The learning rate is shared on purpose: it is the classic course's comparison. Plain GD would
do better with a larger rate of its own; the point is what each rule does with the same one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scratchdl import nn, optim
from scratchdl.models import MLP
from scratchdl.recipes._common import (
    boundaries_side_by_side,
    draw_figures,
    initial_state,
    moons_split,
    output_folder,
    score,
    train_run,
)
from scratchdl.recipes._report import finish_study

NAME = "study-optimizers"
SUMMARY = "GD vs momentum vs RMSprop vs Adam on moons: same start, same batches, same steps"

LEARNING_RATE = 0.01
BATCH_SIZE = 64
NOISE = 0.2

OPTIMIZERS = {
    "GD": lambda parameters: optim.SGD(parameters, lr=LEARNING_RATE),
    "momentum": lambda parameters: optim.SGD(parameters, lr=LEARNING_RATE, momentum=0.9),
    "RMSprop": lambda parameters: optim.RMSprop(parameters, lr=LEARNING_RATE),
    "Adam": lambda parameters: optim.Adam(parameters, lr=LEARNING_RATE),
}


def build_model() -> nn.Sequential:
    """2 -> 32 -> 32 -> 1 with ReLU, PyTorch's default initialisation."""
    return MLP([2, 32, 32, 1], nn.ReLU)


def run(epochs: int | None = None, seed: int = 0, out=None, quick: bool = False) -> dict:
    epochs = epochs if epochs is not None else (10 if quick else 100)
    train_set, test_set = moons_split(1000, NOISE, seed)
    start = initial_state(build_model, seed)
    models, histories, runs = {}, {}, {}
    for name, make_optimizer in OPTIMIZERS.items():
        model = build_model()
        model.load_state_dict(start)
        history, diverged = train_run(
            model,
            make_optimizer(model.parameters()),
            train_set,
            epochs=epochs,
            batch_size=BATCH_SIZE,
            seed=seed,
        )
        train, test = score(model, train_set), score(model, test_set)
        models[name], histories[name] = model, history
        runs[name] = {
            "final_train_loss": train["loss"],
            "train_accuracy": train["accuracy"],
            "test_loss": test["loss"],
            "test_accuracy": test["accuracy"],
            "first_epoch_loss": history["loss"][0],
            "diverged_epoch": diverged,
        }
    steps = epochs * -(-len(train_set) // BATCH_SIZE)
    metrics: dict[str, Any] = {
        "epochs": epochs,
        "steps": steps,
        "seed": seed,
        "lowest_final_loss": min(runs, key=lambda name: runs[name]["final_train_loss"]),
        "adam_over_gd_final_loss": runs["Adam"]["final_train_loss"]
        / runs["GD"]["final_train_loss"],
        "runs": runs,
    }
    folder = output_folder(NAME, out)
    figures = draw_figures(
        lambda: _figures(folder, histories, runs, models, train_set, steps, quick)
    )
    config = {
        "data": f"moons, 1000 train / 1000 test points, noise {NOISE}",
        "model": "2-32-32-1 MLP, ReLU, one shared initial state",
        "batch_size": BATCH_SIZE,
        "learning_rate": LEARNING_RATE,
        "momentum": 0.9,
        "epochs": epochs,
        "steps per run": steps,
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


def _figures(folder: Path, histories, runs, models, train_set, steps: int, quick: bool) -> list:
    from scratchdl.viz import plot_bar, plot_comparison

    x, y = train_set.arrays
    plot_comparison(
        {name: history["loss"] for name, history in histories.items()},
        ylabel="training loss (mean over the epoch)",
        logy=True,
        title=f"Same start, same batches, lr {LEARNING_RATE}",
        path=folder / "loss_curves.png",
    )
    boundaries_side_by_side(
        models,
        x,
        y,
        folder / "decision_boundaries.png",
        resolution=40 if quick else 120,
        title=f"Decision boundaries after {steps} steps",
    )
    plot_bar(
        {name: run["final_train_loss"] for name, run in runs.items()},
        ylabel="final training loss",
        title=f"Training loss after {steps} equal steps",
        path=folder / "final_loss.png",
    )
    return [
        ("loss_curves.png", "training loss per epoch of each optimizer (log scale)"),
        ("decision_boundaries.png", "what each network learned, over the training points"),
        ("final_loss.png", "training loss on the whole training set at the end"),
    ]

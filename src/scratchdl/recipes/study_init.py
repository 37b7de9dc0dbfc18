"""study-init: five weight initialisations of the same deep ReLU network.

The network is deep on purpose: 8 linear layers (2 -> 32 -> ... -> 32 -> 1, ReLU between),
where the scale of the initial weights decides whether a signal survives the trip. Every run
fills the weights by one rule (biases 0), then trains with the same optimizer (SGD, momentum
0.9, learning rate 0.01), the same mini-batches of 64 in the same order, on two-moons (1000
training and 1000 test points, noise 0.2). The random rules draw the same standard normal numbers
(one seed) and differ only in the scale they multiply them by:

* zeros: every weight 0. Every hidden unit computes the same thing and gets the same gradient
  (here exactly 0, since ReLU(0) = 0), so the units never become different: the symmetry is
  never broken and the network stays a constant, at chance.
* small random, N(0, 0.01²): each layer multiplies the signal's variance by
  fan_in · Var(w) = 32 · 1e-4, so after 7 layers almost nothing reaches the output, and by the
  same product almost no gradient reaches the weights: training does not start.
* large random, N(0, 1): the factor is 32 / 2 = 16 per ReLU layer, so the logits start in the
  thousands, the loss is huge, and the first steps overshoot until the loss is NaN: diverged.
* Xavier (Glorot), Var(w) = 2 / (fan_in + fan_out): keeps the variance for tanh-like units; ReLU
  halves it at every layer, so the signal still shrinks, slowly, and training starts late.
* He (Kaiming), Var(w) = 2 / fan_in: derived for ReLU, keeps the variance constant across
  layers, and trains from the first epoch.

Expected result (measured on the full run, 40 epochs, seed 0, about 5 s on 2 cores with the
figures): zeros and small random end at 50.0% test accuracy (chance; loss log 2 = 0.693), zeros
with one distinct hidden unit out of 32 (all its rows still 0); small random's logits start with
a standard deviation of 5e-13. Large random starts at a loss of 2.2e3 (logit std 4.8e3) and
is NaN after its second step. Xavier and He both learn (test accuracy 96.9% and 97.0%), but
He's loss falls from the first epoch (0.303 on the whole training set after epoch 1) while
Xavier's is still at 0.681: the ReLU-halved signal takes a few epochs to grow. Over seeds 0 to
14 of the short run, He's loss after epoch 1 is at most 0.47 and Xavier's at least 0.62.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from scratchdl import nn, optim
from scratchdl.autograd.grad_mode import no_grad
from scratchdl.recipes._common import (
    EpochScores,
    boundaries_side_by_side,
    draw_figures,
    initialised_mlp,
    moons_split,
    output_folder,
    score,
    train_run,
)
from scratchdl.recipes._report import finish_study
from scratchdl.tensor import Tensor
from scratchdl.train import Callback

NAME = "study-init"
SUMMARY = "zeros vs small vs large random vs Xavier vs He in a deep ReLU net: only He/Xavier learn"

DEPTH = 8  # linear layers
WIDTH = 32
LEARNING_RATE = 0.01
BATCH_SIZE = 64
NOISE = 0.2
SMALL_SCALE = 0.01
LARGE_SCALE = 1.0

INITIALISERS: dict[str, Callable[[Tensor], Tensor]] = {
    "zeros": nn.init.zeros_,
    "small random": lambda weight: nn.init.small_random_(weight, SMALL_SCALE),
    "large random": lambda weight: nn.init.normal_(weight, 0.0, LARGE_SCALE),
    "Xavier": nn.init.xavier_normal_,
    "He": lambda weight: nn.init.kaiming_normal_(weight, nonlinearity="relu"),
}


def build_model(initialise: Callable[[Tensor], Tensor], seed: int) -> nn.Sequential:
    """The deep ReLU MLP with its weights filled by ``initialise`` and zero biases.

    ``manual_seed(seed)`` comes first, so every random rule draws the same normal numbers.
    """
    return initialised_mlp([2] + [WIDTH] * (DEPTH - 1) + [1], nn.ReLU, initialise, seed)


def activation_scales(model: nn.Sequential, x: np.ndarray) -> list[float]:
    """The standard deviation of each hidden layer's ReLU output, and of the logits, on ``x``.

    Shows the variance argument at work: it shrinks layer by layer for small weights, grows for
    large ones, and stays level for He.
    """
    scales = []
    with no_grad(), np.errstate(over="ignore", invalid="ignore"):
        signal = Tensor(x)
        for layer in model:
            signal = layer(signal)
            if not isinstance(layer, nn.Linear) or layer is model[-1]:
                scales.append(float(np.std(signal.data)))
    return scales


def distinct_units(weight: np.ndarray) -> int:
    """How many hidden units (rows of W) differ from each other, up to float32 rounding."""
    return len(np.unique(np.round(weight.astype(np.float64), 5), axis=0))


class StepLosses(Callback):
    """The loss of every optimizer step, in order (a diverging run's explosion shows step by
    step, before its epoch's mean is already NaN)."""

    def __init__(self) -> None:
        self.losses: list[float] = []

    def on_train_begin(self, trainer) -> None:
        self.losses = []

    def on_batch_end(self, trainer, batch: int, loss: float) -> None:
        self.losses.append(float(loss))


def run(epochs: int | None = None, seed: int = 0, out=None, quick: bool = False) -> dict:
    epochs = epochs if epochs is not None else (8 if quick else 40)
    train_set, test_set = moons_split(1000, NOISE, seed)
    x, _ = train_set.arrays
    models, histories, runs, scales, step_losses = {}, {}, {}, {}, {}
    for name, initialise in INITIALISERS.items():
        model = build_model(initialise, seed)
        scales[name] = activation_scales(model, x)
        initial = score(model, train_set)
        steps = StepLosses()
        after_first = EpochScores({"train": train_set}, when=lambda epoch: epoch == 1)
        history, diverged = train_run(
            model,
            optim.SGD(model.parameters(), lr=LEARNING_RATE, momentum=0.9),
            train_set,
            epochs=epochs,
            batch_size=BATCH_SIZE,
            seed=seed,
            callbacks=[steps, after_first],
        )
        train, test = score(model, train_set), score(model, test_set)
        models[name], histories[name], step_losses[name] = model, history, steps.losses
        runs[name] = {
            "initial_loss": initial["loss"],
            "first_epoch_loss": history["loss"][0],
            "loss_after_first_epoch": after_first.history["train_loss"][0],
            "final_train_loss": train["loss"],
            "train_accuracy": train["accuracy"],
            "test_accuracy": test["accuracy"],
            "diverged_epoch": diverged,
            "steps_before_nan": _finite_prefix(steps.losses) if diverged else None,
            "distinct_first_layer_units": distinct_units(model[0].weight.data),
            "logit_std_at_init": scales[name][-1],
        }
    metrics: dict[str, Any] = {
        "epochs": epochs,
        "seed": seed,
        "best_test_accuracy": max(runs, key=lambda name: runs[name]["test_accuracy"]),
        "runs": runs,
    }
    folder = output_folder(NAME, out)
    figures = draw_figures(
        lambda: _figures(folder, histories, step_losses, runs, models, scales, train_set, quick)
    )
    config = {
        "data": f"moons, 1000 train / 1000 test points, noise {NOISE}",
        "model": f"{DEPTH} linear layers, width {WIDTH}, ReLU, zero biases",
        "optimizer": f"SGD, lr {LEARNING_RATE}, momentum 0.9",
        "batch_size": BATCH_SIZE,
        "small random": f"N(0, {SMALL_SCALE}²)",
        "large random": f"N(0, {LARGE_SCALE}²)",
        "Xavier": "N(0, 2 / (fan_in + fan_out))",
        "He": "N(0, 2 / fan_in)",
        "epochs": epochs,
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


def _finite_prefix(values: list[float]) -> int:
    """How many values come before the first NaN or infinity."""
    finite = np.isfinite(values)
    return int(finite.argmin()) if not finite.all() else len(values)


def _figures(
    folder: Path, histories, step_losses, runs, models, scales, train_set, quick: bool
) -> list:
    from scratchdl.viz import plot_bar, plot_comparison

    x, y = train_set.arrays
    label = {
        name: name
        if run["diverged_epoch"] is None
        else f"{name} (NaN after step {run['steps_before_nan']})"
        for name, run in runs.items()
    }
    plot_comparison(
        {label[name]: history["loss"] for name, history in histories.items()},
        ylabel="training loss (mean over the epoch)",
        logy=True,
        title="Loss per epoch",
        path=folder / "loss_curves.png",
    )
    first = min(len(losses) for losses in step_losses.values() if losses)
    first = min(first, -(-len(train_set) // BATCH_SIZE))  # the first epoch's steps
    plot_comparison(
        {label[name]: losses[:first] for name, losses in step_losses.items()},
        xlabel="optimizer step",
        ylabel="loss of the step's batch",
        logy=True,
        title="The first epoch, step by step",
        path=folder / "first_steps.png",
    )
    plot_bar(
        {name: run["test_accuracy"] for name, run in runs.items()},
        ylabel="test accuracy",
        title="Final test accuracy (0.5 is chance; NaN outputs count as wrong)",
        path=folder / "final_accuracy.png",
    )
    # Every run keeps its colour; an all-zero signal has no place on a log axis (NaN: not drawn).
    drawable = {
        (name if min(values) > 0 else f"{name} (exactly 0: not drawn)"): [
            value if value > 0 else float("nan") for value in values
        ]
        for name, values in scales.items()
    }
    plot_comparison(
        drawable,
        x=list(range(1, DEPTH + 1)),
        xlabel="layer (1 = first hidden layer, last = the logit)",
        ylabel="std of the layer's output at initialisation",
        logy=True,
        title="Signal scale through the layers before training",
        path=folder / "activation_scale.png",
    )
    panels = {
        (name if run["diverged_epoch"] is None else f"{name} (diverged: NaN)"): models[name]
        for name, run in runs.items()
    }
    boundaries_side_by_side(
        panels,
        x,
        y,
        folder / "decision_boundaries.png",
        resolution=40 if quick else 100,
        title="What each initialisation learned",
    )
    return [
        ("loss_curves.png", "training loss per epoch for each initialisation (log scale)"),
        (
            "first_steps.png",
            "the loss of each step of the first epoch: the explosion of large weights",
        ),
        ("final_accuracy.png", "test accuracy after training"),
        (
            "activation_scale.png",
            "standard deviation of each layer's output on the training inputs, before training",
        ),
        ("decision_boundaries.png", "the learned decision boundaries over the training points"),
    ]

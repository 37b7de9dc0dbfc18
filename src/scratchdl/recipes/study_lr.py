"""study-lr: one network trained with plain SGD at learning rates from 0.001 to 10.

Every run starts from the same initial weights and sees the same mini-batches of 64 in the same
order (two-moons, 1000 training and 1000 test points, noise 0.2; a 2 -> 32 -> 32 -> 1 ReLU
network); only the step size of w <- w - lr * g changes, by factors of about 3.

* Too small (0.001): every step is tiny, and after the whole run the loss has barely left its
  starting value log 2 = 0.693.
* Well chosen (0.3 to 3 at seed 0; 0.3 and 1 at each of seeds 0 to 3): the loss falls fast
  and steadily.
* Too large (10): the first steps overshoot so far that the loss jumps (a mean of 14 over the
  first epoch at seed 0), many ReLU units die (their input stays negative, so their gradient is
  0) and the network ends far above the best loss: at seed 0 at chance, above its starting
  loss; at seeds 1 to 3 between 0.61 and 1.05, with 50% to 66% test accuracy. Larger still
  (100, not in the sweep), the loss is NaN within the first epoch.

Final training loss against the learning rate is the classic U: the left side is too slow, the
right side unstable, and the bottom is wide, so learning rates are searched on a log scale.

Expected result (measured on the full run, 50 epochs, seed 0, about 5 s on 2 cores with the
figures): final training loss 0.641 at lr 0.001 (test accuracy 52%), 0.304 at 0.01, 0.106 at
0.1, 0.070 at 0.3, 0.067 at 1, 0.066 at 3 (the lowest), and 1.89 at 10 (test accuracy 50%).
"""

from __future__ import annotations

import math
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

NAME = "study-lr"
SUMMARY = "learning-rate sweep of SGD on moons: too small crawls, too large blows up"

LEARNING_RATES = (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0)
QUICK_LEARNING_RATES = (0.001, 0.01, 0.1, 1.0, 10.0)
BATCH_SIZE = 64
NOISE = 0.2


def build_model() -> nn.Sequential:
    """2 -> 32 -> 32 -> 1 with ReLU, PyTorch's default initialisation."""
    return MLP([2, 32, 32, 1], nn.ReLU)


def run_name(lr: float) -> str:
    return f"lr={lr:g}"


def run(epochs: int | None = None, seed: int = 0, out=None, quick: bool = False) -> dict:
    epochs = epochs if epochs is not None else (10 if quick else 50)
    learning_rates = QUICK_LEARNING_RATES if quick else LEARNING_RATES
    train_set, test_set = moons_split(1000, NOISE, seed)
    start = initial_state(build_model, seed)
    models, histories, runs = {}, {}, {}
    for lr in learning_rates:
        name = run_name(lr)
        model = build_model()
        model.load_state_dict(start)
        history, diverged = train_run(
            model,
            optim.SGD(model.parameters(), lr=lr),
            train_set,
            epochs=epochs,
            batch_size=BATCH_SIZE,
            seed=seed,
        )
        train, test = score(model, train_set), score(model, test_set)
        models[name], histories[name] = model, history
        runs[name] = {
            "lr": lr,
            "first_epoch_loss": history["loss"][0],
            "final_train_loss": train["loss"],
            "test_accuracy": test["accuracy"],
            "diverged_epoch": diverged,
        }
    finite = {name: run for name, run in runs.items() if math.isfinite(run["final_train_loss"])}
    best = min(finite, key=lambda name: finite[name]["final_train_loss"])
    metrics: dict[str, Any] = {
        "epochs": epochs,
        "seed": seed,
        "best_lr": runs[best]["lr"],
        "best_final_loss": runs[best]["final_train_loss"],
        "runs": runs,
    }
    folder = output_folder(NAME, out)
    figures = draw_figures(
        lambda: _figures(folder, histories, runs, models, best, train_set, quick)
    )
    config = {
        "data": f"moons, 1000 train / 1000 test points, noise {NOISE}",
        "model": "2-32-32-1 MLP, ReLU, one shared initial state",
        "optimizer": "SGD without momentum",
        "learning_rates": list(learning_rates),
        "batch_size": BATCH_SIZE,
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


def _figures(folder: Path, histories, runs, models, best: str, train_set, quick: bool) -> list:
    from scratchdl.viz import plot_comparison

    x, y = train_set.arrays
    plot_comparison(
        {name: history["loss"] for name, history in histories.items()},
        ylabel="training loss (mean over the epoch)",
        logy=True,
        title="SGD at different learning rates, same start and batches",
        path=folder / "loss_curves.png",
    )
    finals = {name: run["final_train_loss"] for name, run in runs.items()}
    plot_comparison(
        {"final training loss": list(finals.values())},
        x=[math.log10(run["lr"]) for run in runs.values()],
        xlabel="log10(learning rate)",
        ylabel="final training loss",
        logy=True,
        title="Final loss against the learning rate",
        path=folder / "final_loss_vs_lr.png",
    )
    names = list(runs)
    chosen = {f"{names[0]} (smallest)": models[names[0]], f"{best} (best)": models[best]}
    chosen[f"{names[-1]} (largest)"] = models[names[-1]]
    boundaries_side_by_side(
        chosen,
        x,
        y,
        folder / "decision_boundaries.png",
        resolution=40 if quick else 100,
        title="Too small, best, too large",
    )
    return [
        ("loss_curves.png", "training loss per epoch at each learning rate (log scale)"),
        ("final_loss_vs_lr.png", "final training loss against log10 of the learning rate"),
        ("decision_boundaries.png", "the smallest, the best and the largest learning rate"),
    ]

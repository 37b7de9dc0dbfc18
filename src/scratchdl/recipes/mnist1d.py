"""mnist1d: logistic regression, an MLP and a CNN on MNIST-1D, beside the paper's numbers.

MNIST-1D (Greydanus, "Scaling Down Deep Learning", 2020) is generated here by
``scratchdl.data.make_mnist1d``: 4,000 training and 1,000 test sequences of length 40, ten
digit templates distorted by padding, scaling, shear, translation and noise. The paper's
point: the models separate far more clearly than on MNIST, where even logistic regression
reaches 94% (the paper's table). Its MNIST-1D test accuracies: logistic regression 32%, MLP 68%,
CNN 94%.

Training follows the paper's set-up: Adam (lr 1e-2), mini-batches of 100, cross-entropy,
8,000 steps (200 epochs), no weight decay, three runs with seeds ``seed``, ``seed + 1`` and
``seed + 2`` on the same data set (``make_mnist1d`` with its default seed 42):

* logistic regression: Linear(40, 10)
* MLP: 40 -> 100 -> 100 -> 10 with ReLU (``models.MLP``; the reference code's MLP also adds
  its first hidden layer back after the second, h + relu(W2 h), which this plain MLP leaves out)
* CNN: ``models.MNIST1DCNN``, three strided Conv1d layers of 25 channels and a Linear

Measured (``scratchdl run mnist1d``, seeds 0, 1, 2; about 7 minutes on 2 cores shared with
other work):

=====================  =========================  =======
model                  test accuracy (per run)    paper
=====================  =========================  =======
logistic regression    31.9% (32.5, 31.3, 31.9)   32%
MLP                    67.1% (65.3, 69.8, 66.2)   68%
CNN                    92.8% (93.1, 93.2, 92.2)   94%
=====================  =========================  =======

Writes metrics.json with ``logreg_test_accuracy``, ``mlp_test_accuracy`` and
``cnn_test_accuracy`` (means over the runs), the per-run values and the paper's numbers; the
CNN's first-layer filters, feature maps of a test sequence and its training curves; the three
models' loss curves on one plot.
"""

from __future__ import annotations

from scratchdl import nn
from scratchdl.data import make_mnist1d
from scratchdl.models import MLP, MNIST1DCNN
from scratchdl.recipes._common import output_folder, write_json
from scratchdl.recipes._vision import save_cnn_figures, save_comparison, train_model

NAME = "mnist1d"
SUMMARY = "logistic regression, MLP and CNN on MNIST-1D vs the paper (32% / 68% / 94%)"
PAPER = {"logreg": 0.32, "mlp": 0.68, "cnn": 0.94}
RUNS = 3

MODELS = {
    "logreg": lambda: nn.Linear(40, 10),
    "mlp": lambda: MLP([40, 100, 100, 10]),
    "cnn": lambda: MNIST1DCNN(),
}


def run(epochs: int | None = None, seed: int = 0, out=None, quick: bool = False) -> dict:
    epochs = epochs if epochs is not None else (2 if quick else 200)
    runs = 1 if quick else RUNS
    folder = output_folder(NAME, out)
    train_set, test_set = make_mnist1d().datasets()
    metrics: dict = {}
    histories = {}
    for name, build in MODELS.items():
        accuracies = []
        for offset in range(runs):
            model, history, results = train_model(
                build,
                train_set,
                test_set,
                epochs=epochs,
                batch_size=100,
                lr=1e-2,
                seed=seed + offset,
            )
            accuracies.append(results["test_accuracy"])
            if offset == 0:
                histories[name] = history
                if name == "cnn":
                    cnn, cnn_history = model, history
        metrics[f"{name}_test_accuracy"] = sum(accuracies) / len(accuracies)
        metrics[f"{name}_test_accuracy_runs"] = accuracies
    metrics.update({f"paper_{name}_test_accuracy": value for name, value in PAPER.items()})
    metrics.update({"epochs": epochs, "runs": runs, "seed": seed})
    write_json(folder / "history.json", {name: h.to_dict() for name, h in histories.items()})
    write_json(folder / "metrics.json", metrics)
    print(f"{'model':<8}{'test accuracy':>15}{'paper':>8}")
    for name in MODELS:
        print(f"{name:<8}{metrics[f'{name}_test_accuracy']:>15.1%}{PAPER[name]:>8.0%}")
    sample = test_set[0:1][0]  # one test sequence, (1, 40)
    if save_cnn_figures(folder, cnn, cnn_history, sample, images=False):
        save_comparison(folder / "comparison.png", {k.upper(): h for k, h in histories.items()})
    return metrics

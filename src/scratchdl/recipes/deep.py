"""deep: the classic L-layer network, [LINEAR -> RELU] x 3 -> LINEAR -> SIGMOID, by hand.

This recipe takes the course's own path: no autograd and no ``nn``, just
``scratchdl.manual.L_layer_model`` (forward pass with caches, binary cross-entropy, the
hand-derived backward pass, a gradient-descent update) on the course's 4-layer shape
``[n_x, 20, 7, 5, 1]``, with He initialization and full-batch gradient descent (one step per
iteration). The data are the ``logistic-regression`` recipe's binary image task (see
``scratchdl.recipes.logistic_regression.binary_image_task``): cat vs non-cat when its HDF5 files
are found, else even vs odd on scikit-learn's digits. Examples are columns, as in the course:
X of shape (n_x, m), Y of shape (1, m), float64.

Outputs, in the output folder:

* ``metrics.json``: ``train_accuracy``, ``train_loss``, ``test_accuracy``, ``test_loss``
  (binary cross-entropy of the final parameters), ``epochs`` (gradient-descent iterations),
  ``seed`` and ``dataset`` (``"cat_vs_noncat"`` or ``"digits_even_odd"``);
* ``history.json``: the cost curve, the cost J of every iteration under ``loss`` (the key every
  recipe's history uses);
* ``params.safetensors``: the parameter dictionary {"W1", "b1", ..., "W4", "b4"} written by
  ``scratchdl.save``; ``scratchdl.load`` gives it back, ready for ``scratchdl.manual.predict``.
  (Not the other recipes' ``model.ckpt``: there is no Module and no optimizer state, so it is not
  a ``save_checkpoint`` file and ``load_checkpoint`` / ``fit(resume=...)`` cannot read it.)

Expected results:

* digits even/odd (measured, 2,500 iterations, learning rate 0.1): training accuracy 100% and test
  accuracy 97.8%, 98.3%, 97.8% for seeds 0, 1, 2, against about 92-94% for the single neuron of
  ``logistic-regression``: the hidden layers find what a line cannot. About 1-2 s on 2 cores.
* cat vs non-cat (2,500 iterations, learning rate 0.0075, the course's settings): the classic
  course reports about 98-99% training and 80% test accuracy, against 70% for its single neuron.
  Not measured here, since the files are not distributed with scratchdl; about 20 s on 2 cores
  (timed on random images of the same shape: 12,288 float64 inputs, 209 examples).
"""

from __future__ import annotations

import os

import numpy as np

import scratchdl
from scratchdl.manual import L_layer_model, L_model_forward, compute_cost, predict
from scratchdl.recipes._common import output_folder, write_json
from scratchdl.recipes.logistic_regression import CATS, binary_image_task

NAME = "deep"
SUMMARY = "L-layer ReLU network, sigmoid output, hand-written backprop (binary image task)"

HIDDEN = [20, 7, 5]  # the course's 4-layer network: n_x -> 20 -> 7 -> 5 -> 1


def run(
    epochs: int | None = None,
    seed: int = 0,
    out=None,
    quick: bool = False,
    root: str | os.PathLike | None = None,
) -> dict:
    train_set, test_set, dataset = binary_image_task(seed, root)
    if dataset == CATS:
        learning_rate, default_epochs = 0.0075, (100 if quick else 2500)
    else:  # 64 small inputs: a larger step gets there in the same number of iterations
        learning_rate, default_epochs = 0.1, (300 if quick else 2500)
    epochs = epochs if epochs is not None else default_epochs

    # The course's layout: one example per column, float64.
    X, Y = (a.T.astype(np.float64) for a in train_set.arrays)  # (n_x, m), (1, m)
    X_test, Y_test = (a.T.astype(np.float64) for a in test_set.arrays)
    parameters, costs = L_layer_model(
        X,
        Y,
        [X.shape[0], *HIDDEN, 1],
        learning_rate=learning_rate,
        num_iterations=epochs,
        initialization="he",
        seed=seed,
    )

    metrics = {
        **_scores("train", X, Y, parameters),
        **_scores("test", X_test, Y_test, parameters),
        "epochs": epochs,
        "seed": seed,
        "dataset": dataset,
    }
    folder = output_folder(NAME, out)
    scratchdl.save(parameters, folder / "params.safetensors")
    write_json(folder / "history.json", {"loss": costs})
    write_json(folder / "metrics.json", metrics)
    return metrics


def _scores(split: str, X: np.ndarray, Y: np.ndarray, parameters: dict) -> dict[str, float]:
    """Accuracy and binary cross-entropy of the final parameters on one split."""
    AL, _ = L_model_forward(X, parameters)
    return {
        f"{split}_accuracy": float(np.mean(predict(X, parameters) == Y)),
        f"{split}_loss": float(compute_cost(AL, Y, parameters)),
    }

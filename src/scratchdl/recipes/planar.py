"""planar: the classic course's 2-layer network on the planar "flower" set, and its size sweep.

The network is the course's: 2 inputs, ONE hidden layer of 4 tanh units, one sigmoid output
(here a logit into BCE-with-logits), weights drawn from N(0, 0.01^2) and zero biases, trained by
plain gradient descent on the whole training set at once (SGD without momentum, learning rate
1.2) for 10,000 iterations. No straight line separates the petals (logistic regression stays near
50%); this network gets about 90%, as the course reports.

Then the course's hidden-layer-size sweep: the same network with 1, 2, 3, 4, 5, 20 and 50 hidden
units, each trained for half as many iterations (5,000). One or two units are too few (about
70%); from three units on, accuracy sits near 90%, and larger layers do not help: the extra
capacity only fits the noise more closely. metrics.json holds the main run's ``train_accuracy``
and ``test_accuracy`` plus ``sweep_train_accuracy`` and ``sweep_test_accuracy``, dicts from the
hidden size (a string key in JSON) to the accuracy.

Data: 400 training and 400 test points of ``flower`` (4 petals per class, noise 0.2).

Expected result (measured, mean over seeds 0, 1, 2; 7 to 11 s per run on 2 cores, sweep
included, and about 3 s more to draw the figures): the 4-unit network reaches 94.1% training
and 91.6% test accuracy (90.3% at worst).
The sweep, hidden size: train / test accuracy::

    size    1     2     3     4     5     20    50
    train  70.6  68.1  93.1  93.5  93.2  94.7  94.6
    test   68.8  67.3  91.7  91.5  91.2  91.2  91.3
"""

from __future__ import annotations

from scratchdl import nn, optim
from scratchdl.backend import manual_seed
from scratchdl.data import DataLoader, flower
from scratchdl.recipes._common import train_classifier
from scratchdl.train import evaluate, fit

NAME = "planar"
SUMMARY = "one tanh hidden layer of 4 units on the flower set (~90%), plus the hidden-size sweep"

HIDDEN = 4
SWEEP_SIZES = (1, 2, 3, 4, 5, 20, 50)
LEARNING_RATE = 1.2


def two_layer_network(hidden: int) -> nn.Sequential:
    """2 -> ``hidden`` tanh units -> 1 logit, initialized as the course does."""
    model = nn.Sequential(nn.Linear(2, hidden), nn.Tanh(), nn.Linear(hidden, 1))
    for layer in (model[0], model[2]):
        nn.init.normal_(layer.weight, 0.0, 0.01)  # small random weights break the symmetry
        nn.init.zeros_(layer.bias)
    return model


def sweep(train_set, test_set, iterations: int, seed: int, sizes=SWEEP_SIZES) -> tuple[dict, dict]:
    """Train one network per hidden size; return ({size: train acc}, {size: test acc})."""
    loss_fn = nn.BCEWithLogitsLoss()
    full_train = DataLoader(train_set, batch_size=len(train_set))
    full_test = DataLoader(test_set, batch_size=len(test_set))
    train_accuracy, test_accuracy = {}, {}
    for size in sizes:
        manual_seed(seed)
        model = two_layer_network(size)
        optimizer = optim.SGD(model.parameters(), lr=LEARNING_RATE)
        fit(model, loss_fn, optimizer, full_train, iterations)
        train_accuracy[size] = evaluate(model, loss_fn, full_train, ["accuracy"])["accuracy"]
        test_accuracy[size] = evaluate(model, loss_fn, full_test, ["accuracy"])["accuracy"]
    return train_accuracy, test_accuracy


def run(epochs: int | None = None, seed: int = 0, out=None, quick: bool = False) -> dict:
    """``epochs`` counts gradient-descent iterations (one full-batch step each); the sweep runs
    half as many per size."""
    epochs = epochs if epochs is not None else (800 if quick else 10_000)
    train_set = flower(n=400, noise=0.2, seed=seed)
    test_set = flower(n=400, noise=0.2, seed=seed + 1000)
    sweep_train, sweep_test = sweep(train_set, test_set, max(1, epochs // 2), seed)
    return train_classifier(
        NAME,
        lambda: two_layer_network(HIDDEN),
        train_set,
        test_set,
        epochs=epochs,
        batch_size=len(train_set),
        seed=seed,
        out=out,
        quick=quick,
        make_optimizer=lambda parameters: optim.SGD(parameters, lr=LEARNING_RATE),
        extra_metrics={"sweep_train_accuracy": sweep_train, "sweep_test_accuracy": sweep_test},
    )

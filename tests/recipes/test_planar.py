"""The `planar` recipe: the 4-unit tanh network learns the flower, and the sweep is recorded."""

from __future__ import annotations

import json

from scratchdl import nn, optim
from scratchdl.recipes import RECIPES, planar
from tests.recipes import check_quick_run
from tests.recipes.test_report import check_run_figures


def test_registered_and_uses_the_course_network():
    assert RECIPES["planar"] is planar
    model = planar.two_layer_network(planar.HIDDEN)
    assert isinstance(model[1], nn.Tanh)
    assert model[0].weight.shape == (4, 2) and model[2].weight.shape == (1, 4)
    assert abs(model[0].weight.data).max() < 0.1 and not model[0].bias.data.any()
    assert planar.SWEEP_SIZES == (1, 2, 3, 4, 5, 20, 50)


def test_quick_run_learns_and_writes_the_sweep(tmp_path):
    # Two balanced classes: chance is 0.5, a straight line stays near it; the quick run (800
    # full-batch steps) reaches about 0.89 on the test set.
    metrics = check_quick_run(planar, tmp_path, min_test_accuracy=0.8)
    sizes = [str(size) for size in planar.SWEEP_SIZES]
    for key in ("sweep_train_accuracy", "sweep_test_accuracy"):
        assert list(metrics[key]) == sizes
        assert all(0.0 <= value <= 1.0 for value in metrics[key].values())
    # Some hidden size beats the linear ceiling even in the short sweep (400 steps per size).
    assert max(metrics["sweep_test_accuracy"].values()) >= 0.8
    history = json.loads((tmp_path / "history.json").read_text())
    assert len(history["loss"]) == metrics["epochs"] == 800
    check_run_figures(tmp_path)


def test_plain_gradient_descent():
    model = planar.two_layer_network(2)
    optimizer = optim.SGD(model.parameters(), lr=planar.LEARNING_RATE)
    assert optimizer.param_groups[0]["momentum"] == 0

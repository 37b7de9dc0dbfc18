"""study-regularization: L2 and dropout shrink the train-test gap of an overfitting network."""

from __future__ import annotations

import json

import numpy as np
import pytest

import scratchdl as sd
from scratchdl import nn
from scratchdl.recipes import RECIPES, study_regularization
from tests.recipes.test_report import check_report

RUNS = ("none", "L2", "dropout")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("study-regularization")
    return study_regularization.run(seed=0, out=out, quick=True), out


def test_registered_and_same_parameters_with_or_without_dropout():
    assert RECIPES["study-regularization"] is study_regularization
    plain, dropped = study_regularization.build_model(0.0), study_regularization.build_model(0.5)
    assert plain.state_dict().keys() == dropped.state_dict().keys()


def test_penalised_loss_adds_half_lambda_times_squared_weights():
    model = study_regularization.build_model()
    x = np.ones((4, 2), dtype=np.float32)
    y = np.ones((4, 1), dtype=np.float32)
    output = model(sd.tensor(x))
    plain = nn.BCEWithLogitsLoss()(output, sd.tensor(y)).item()
    penalised = study_regularization.penalised_loss(model, 0.1)(output, sd.tensor(y)).item()
    squares = sum(
        float((layer.weight.data**2).sum()) for layer in model if isinstance(layer, nn.Linear)
    )
    assert penalised - plain == pytest.approx(0.05 * squares, rel=1e-4)


def test_regularization_shrinks_the_gap(quick_run):
    metrics, _ = quick_run
    runs = metrics["runs"]
    assert list(runs) == list(RUNS)
    none = runs["none"]
    assert none["train_accuracy"] >= 0.93  # it memorises the 100 noisy points...
    assert none["accuracy_gap"] >= 0.05  # ...and does worse on new ones
    for name in ("L2", "dropout"):
        assert runs[name]["accuracy_gap"] < none["accuracy_gap"] - 0.03, name
        assert runs[name]["test_loss"] < none["test_loss"], name
        assert runs[name]["accuracy_gap"] == pytest.approx(
            runs[name]["train_accuracy"] - runs[name]["test_accuracy"]
        )
    assert metrics["smallest_accuracy_gap"] in ("L2", "dropout")


def test_outputs_and_report(quick_run):
    metrics, out = quick_run
    assert json.loads((out / "metrics.json").read_text()) == metrics
    parser = check_report(out, RUNS)
    assert set(parser.figure_files) == {
        "decision_boundaries.png",
        "loss_curves.png",
        "gap_curves.png",
        "final_gap.png",
    }

"""study-init: zeros and small random weights stay at chance, large ones diverge, He learns."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scratchdl import nn
from scratchdl.recipes import RECIPES, study_init
from tests.recipes.test_report import check_report

RUNS = ("zeros", "small random", "large random", "Xavier", "He")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("study-init")
    return study_init.run(seed=0, out=out, quick=True), out


def test_registered_and_deep():
    assert RECIPES["study-init"] is study_init
    model = study_init.build_model(nn.init.zeros_, seed=0)
    linears = [layer for layer in model if isinstance(layer, nn.Linear)]
    assert len(linears) == study_init.DEPTH >= 5
    assert all(not layer.weight.data.any() and not layer.bias.data.any() for layer in linears)


def test_random_rules_draw_the_same_numbers_at_different_scales():
    small = study_init.build_model(study_init.INITIALISERS["small random"], seed=1)
    large = study_init.build_model(study_init.INITIALISERS["large random"], seed=1)
    ratio = study_init.LARGE_SCALE / study_init.SMALL_SCALE
    np.testing.assert_allclose(large[2].weight.data, ratio * small[2].weight.data, rtol=1e-5)


def test_zeros_never_break_the_symmetry(quick_run):
    metrics, _ = quick_run
    zeros = metrics["runs"]["zeros"]
    assert abs(zeros["test_accuracy"] - 0.5) <= 0.05 and abs(zeros["train_accuracy"] - 0.5) <= 0.05
    assert zeros["distinct_first_layer_units"] == 1
    assert zeros["final_train_loss"] == pytest.approx(np.log(2), abs=0.01)


def test_small_stays_at_chance_large_diverges_he_learns(quick_run):
    metrics, _ = quick_run
    runs = metrics["runs"]
    assert list(runs) == list(RUNS)
    assert abs(runs["small random"]["test_accuracy"] - 0.5) <= 0.05
    assert runs["small random"]["logit_std_at_init"] < 1e-6  # the signal vanished on the way
    large = runs["large random"]
    assert large["initial_loss"] > 100 * runs["He"]["initial_loss"]
    assert large["diverged_epoch"] is not None or large["final_train_loss"] > 1.0
    he = runs["He"]
    assert he["test_accuracy"] >= 0.85 and he["diverged_epoch"] is None
    assert he["test_accuracy"] > runs["zeros"]["test_accuracy"] + 0.3
    # He starts learning first. Measured on the whole training set after epoch 1, not as the
    # epoch's running mean, which also holds He's higher starting loss at some seeds.
    assert he["loss_after_first_epoch"] < runs["Xavier"]["loss_after_first_epoch"] - 0.1
    assert metrics["best_test_accuracy"] in ("He", "Xavier")


def test_outputs_and_report(quick_run):
    metrics, out = quick_run
    assert json.loads((out / "metrics.json").read_text()) == metrics
    parser = check_report(out, RUNS)
    assert set(parser.figure_files) == {
        "loss_curves.png",
        "first_steps.png",
        "final_accuracy.png",
        "activation_scale.png",
        "decision_boundaries.png",
    }

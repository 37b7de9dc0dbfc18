"""study-optimizers: at equal steps from the same start, Adam's loss ends far below GD's."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scratchdl.recipes import RECIPES, study_optimizers
from scratchdl.recipes._common import initial_state
from tests.recipes.test_report import check_report

RUNS = ("GD", "momentum", "RMSprop", "Adam")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("study-optimizers")
    return study_optimizers.run(seed=0, out=out, quick=True), out


def test_registered():
    assert RECIPES["study-optimizers"] is study_optimizers
    assert tuple(study_optimizers.OPTIMIZERS) == RUNS


def test_every_run_starts_from_the_same_weights():
    first = initial_state(study_optimizers.build_model, seed=3)
    second = initial_state(study_optimizers.build_model, seed=3)
    assert first.keys() == second.keys()
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])


def test_adam_ends_below_gd_at_equal_steps(quick_run):
    metrics, _ = quick_run
    runs = metrics["runs"]
    assert list(runs) == list(RUNS)
    # 160 steps at lr 0.01: GD is still near the start (about 0.57), Adam about 0.08.
    assert runs["Adam"]["final_train_loss"] < 0.5 * runs["GD"]["final_train_loss"]
    assert runs["RMSprop"]["final_train_loss"] < 0.5 * runs["GD"]["final_train_loss"]
    assert runs["momentum"]["final_train_loss"] < runs["GD"]["final_train_loss"]
    assert runs["Adam"]["test_accuracy"] > runs["GD"]["test_accuracy"] + 0.05
    assert metrics["adam_over_gd_final_loss"] == pytest.approx(
        runs["Adam"]["final_train_loss"] / runs["GD"]["final_train_loss"]
    )
    assert metrics["lowest_final_loss"] in ("Adam", "RMSprop")
    assert all(run["diverged_epoch"] is None for run in runs.values())


def test_outputs_and_report(quick_run):
    metrics, out = quick_run
    assert json.loads((out / "metrics.json").read_text()) == metrics
    history = json.loads((out / "history.json").read_text())
    assert list(history) == list(RUNS)
    assert all(len(h["loss"]) == metrics["epochs"] == 10 for h in history.values())
    parser = check_report(out, RUNS)
    assert set(parser.figure_files) == {
        "loss_curves.png",
        "decision_boundaries.png",
        "final_loss.png",
    }

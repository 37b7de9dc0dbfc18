"""study-batch: stochastic steps learn most per epoch but cost the most time per epoch."""

from __future__ import annotations

import json

import pytest

from scratchdl.recipes import RECIPES, study_batch
from tests.recipes.test_report import check_report

RUNS = ("full batch", "mini-batch", "stochastic")


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("study-batch")
    return study_batch.run(seed=0, out=out, quick=True), out


def test_registered():
    assert RECIPES["study-batch"] is study_batch
    assert study_batch.BATCH_SIZES == {"full batch": 500, "mini-batch": 32, "stochastic": 1}


def test_loss_per_epoch_and_time_per_epoch(quick_run):
    metrics, _ = quick_run
    runs = metrics["runs"]
    assert list(runs) == list(RUNS)
    assert [run["steps_per_epoch"] for run in runs.values()] == [1, 16, 500]
    full, mini, stochastic = (runs[name] for name in RUNS)
    # Per epoch: more steps, more progress (same data, start and learning rate).
    assert stochastic["shared_epochs_loss"] < mini["shared_epochs_loss"]
    assert mini["shared_epochs_loss"] < full["shared_epochs_loss"]
    assert stochastic["first_epoch_loss"] < full["first_epoch_loss"]
    epochs = metrics["epochs"]
    assert [run["epochs_in_time_comparison"] for run in runs.values()] == [
        epochs * study_batch.EPOCH_FACTORS[name] for name in RUNS
    ]
    # The cheaper methods use their extra epochs: full batch ends far below its shared-span loss.
    assert full["final_train_loss"] < full["shared_epochs_loss"]
    # Per second: 500 one-example steps cost far more than one 500-example step.
    assert stochastic["seconds_per_epoch"] > 10 * full["seconds_per_epoch"]
    assert metrics["stochastic_over_full_seconds_per_epoch"] > 10


def test_outputs_and_report(quick_run):
    metrics, out = quick_run
    assert json.loads((out / "metrics.json").read_text()) == metrics
    parser = check_report(out, RUNS)
    assert set(parser.figure_files) == {
        "loss_vs_epoch.png",
        "loss_vs_time.png",
        "time_per_epoch.png",
    }

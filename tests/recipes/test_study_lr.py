"""study-lr: a learning rate too small barely moves, one too large ends worse than a good one."""

from __future__ import annotations

import json

import pytest

from scratchdl.recipes import RECIPES, study_lr
from tests.recipes.test_report import check_report


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("study-lr")
    return study_lr.run(seed=0, out=out, quick=True), out


def test_registered_and_log_spaced():
    assert RECIPES["study-lr"] is study_lr
    rates = study_lr.LEARNING_RATES
    assert rates == tuple(sorted(rates)) and rates[-1] / rates[0] >= 1e3


def test_the_sweep_makes_a_u(quick_run):
    metrics, _ = quick_run
    runs = metrics["runs"]
    assert [run["lr"] for run in runs.values()] == list(study_lr.QUICK_LEARNING_RATES)
    smallest, largest = runs["lr=0.001"], runs["lr=10"]
    best = metrics["best_final_loss"]
    assert 0.01 < metrics["best_lr"] < 10
    assert best == min(r["final_train_loss"] for r in runs.values() if r["final_train_loss"])
    assert smallest["final_train_loss"] > 0.6 > 3 * best  # log 2 = 0.693: it barely moved
    # Too large: diverged, or ended well above the best (dead ReLUs, at chance).
    assert largest["diverged_epoch"] is not None or largest["final_train_loss"] > 3 * best
    assert largest["first_epoch_loss"] > 1.0  # the first steps overshoot


def test_outputs_and_report(quick_run):
    metrics, out = quick_run
    assert json.loads((out / "metrics.json").read_text()) == metrics
    parser = check_report(out, [study_lr.run_name(lr) for lr in study_lr.QUICK_LEARNING_RATES])
    assert set(parser.figure_files) == {
        "loss_curves.png",
        "final_loss_vs_lr.png",
        "decision_boundaries.png",
    }


def test_without_matplotlib_the_study_still_reports(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("scratchdl.recipes._common.figures_available", lambda: False)
    metrics = study_lr.run(epochs=2, out=tmp_path, quick=True)
    assert "figures skipped" in capsys.readouterr().out
    assert not list(tmp_path.glob("*.png"))
    parser = check_report(tmp_path, [study_lr.run_name(lr) for lr in study_lr.QUICK_LEARNING_RATES])
    assert parser.images == []
    assert json.loads((tmp_path / "metrics.json").read_text()) == metrics

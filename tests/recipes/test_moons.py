"""The `moons` recipe's quick run learns and writes its outputs and figures."""

from __future__ import annotations

import json
import sys

import pytest

from scratchdl.recipes import RECIPES, moons
from tests.recipes import check_quick_run
from tests.recipes.test_report import check_run_figures


def test_registered():
    assert RECIPES["moons"] is moons


def test_quick_run_learns_and_draws(tmp_path):
    # two balanced classes: chance is 0.5; the quick run reaches about 0.99
    metrics = check_quick_run(moons, tmp_path, min_test_accuracy=0.95)
    check_run_figures(tmp_path)
    # The curves have a validation line: the test set, measured after every epoch.
    history = json.loads((tmp_path / "history.json").read_text())
    assert len(history["val_loss"]) == len(history["val_accuracy"]) == metrics["epochs"]
    assert history["val_accuracy"][-1] == pytest.approx(metrics["test_accuracy"])


def test_runs_without_matplotlib_and_says_how_to_get_figures(tmp_path, monkeypatch, capsys):
    # A None entry in sys.modules makes `import matplotlib` raise ImportError, as if missing.
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    metrics = moons.run(epochs=2, out=tmp_path, quick=True)
    assert 0.0 <= metrics["test_accuracy"] <= 1.0
    lines = [line for line in capsys.readouterr().out.splitlines() if "figures skipped" in line]
    assert len(lines) == 1 and 'pip install "scratchdl[viz]"' in lines[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "history.json",
        "metrics.json",
        "model.ckpt",
    ]

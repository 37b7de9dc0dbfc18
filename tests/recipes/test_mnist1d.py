"""The `mnist1d` recipe's quick run: all three models learn and the keys the issue names exist."""

from __future__ import annotations

import json

from scratchdl.recipes import RECIPES, mnist1d


def test_registered():
    assert RECIPES["mnist1d"] is mnist1d


def test_quick_run_reports_the_three_models_beside_the_paper(tmp_path, capsys):
    returned = mnist1d.run(seed=0, out=tmp_path, quick=True)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics == returned
    # Ten classes (chance 0.1); two epochs reach about 0.29 (logreg), 0.46 (MLP), 0.45 (CNN).
    for name in ("logreg", "mlp", "cnn"):
        assert 0.2 <= metrics[f"{name}_test_accuracy"] <= 1.0, name
        assert metrics[f"{name}_test_accuracy_runs"] == [metrics[f"{name}_test_accuracy"]]
    assert metrics["paper_cnn_test_accuracy"] == 0.94
    printed = capsys.readouterr().out
    assert "paper" in printed and "94%" in printed and "cnn" in printed
    for name in ("filters.png", "feature_maps.png", "curves.png", "comparison.png"):
        assert (tmp_path / name).stat().st_size > 1000, name


def test_without_matplotlib_the_recipe_still_reports(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("scratchdl.recipes._vision.figures_available", lambda: False)
    monkeypatch.setattr(mnist1d, "MODELS", {"cnn": mnist1d.MODELS["cnn"]})
    metrics = mnist1d.run(epochs=1, out=tmp_path, quick=True)
    assert "figures skipped" in capsys.readouterr().out
    assert 0.0 <= metrics["cnn_test_accuracy"] <= 1.0
    assert not list(tmp_path.glob("*.png"))

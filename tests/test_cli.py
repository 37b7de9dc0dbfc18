"""Tests of the command line: list, run (quick), errors."""

from __future__ import annotations

import json
import subprocess
import sys

from scratchdl.cli import main
from scratchdl.recipes import RECIPES


def test_list_names_every_recipe(capsys):
    assert main(["list"]) == 0
    printed = capsys.readouterr().out
    for name in RECIPES:
        assert name in printed


def test_run_quick_writes_outputs_and_prints_one_line(tmp_path, capsys):
    assert (
        main(["run", "moons", "--quick", "--epochs", "3", "--seed", "1", "--out", str(tmp_path)])
        == 0
    )
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[-1].startswith("moons: train_accuracy")
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["epochs"] == 3 and metrics["seed"] == 1
    assert 0.0 <= metrics["test_accuracy"] <= 1.0
    assert (tmp_path / "model.ckpt").exists() and (tmp_path / "history.json").exists()


def test_unknown_recipe_and_bad_epochs(capsys):
    assert main(["run", "nonsense"]) == 2
    assert "unknown recipe 'nonsense'; available:" in capsys.readouterr().err
    assert main(["run", "moons", "--epochs", "0"]) == 2


def test_limit_is_refused_by_recipes_without_it(capsys):
    assert main(["run", "moons", "--limit", "10"]) == 2
    assert "moons has no --limit option" in capsys.readouterr().err


def test_python_dash_m_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "scratchdl", "list"], capture_output=True, text=True, check=True
    )
    assert "moons" in result.stdout


def test_same_seed_same_result(tmp_path):
    """The seed fixes the initial weights too, not only the data order."""
    results = []
    for folder in ("a", "b"):
        main(["run", "xor", "--quick", "--seed", "3", "--out", str(tmp_path / folder)])
        results.append(json.loads((tmp_path / folder / "metrics.json").read_text()))
    assert results[0] == results[1]

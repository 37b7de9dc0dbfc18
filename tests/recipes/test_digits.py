"""The `digits` recipe's quick run learns and writes its outputs."""

from __future__ import annotations

from scratchdl.recipes import RECIPES, digits
from tests.recipes import check_quick_run


def test_registered():
    assert RECIPES["digits"] is digits


def test_quick_run_learns(tmp_path):
    # Ten classes: chance is about 0.1; the quick run (3 epochs) reaches 0.92-0.94 (seeds 0-2).
    metrics = check_quick_run(digits, tmp_path, min_test_accuracy=0.85)
    assert metrics["epochs"] == 3

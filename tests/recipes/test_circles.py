"""The `circles` recipe's quick run learns and writes its outputs and figures."""

from __future__ import annotations

from scratchdl.recipes import RECIPES, circles
from tests.recipes import check_quick_run
from tests.recipes.test_report import check_run_figures


def test_registered():
    assert RECIPES["circles"] is circles


def test_quick_run_learns_and_draws(tmp_path):
    # two balanced classes: chance is 0.5; the quick run reaches 1.0
    check_quick_run(circles, tmp_path, min_test_accuracy=0.95)
    check_run_figures(tmp_path)

"""The `spirals` recipe's quick run learns and writes its outputs and figures."""

from __future__ import annotations

from scratchdl.recipes import RECIPES, spirals
from tests.recipes import check_quick_run
from tests.recipes.test_report import check_run_figures


def test_registered():
    assert RECIPES["spirals"] is spirals


def test_quick_run_learns_and_draws(tmp_path):
    # three balanced classes: chance is 1/3; the quick run reaches about 0.99
    check_quick_run(spirals, tmp_path, min_test_accuracy=0.9)
    check_run_figures(tmp_path)

"""The `swiss-roll` recipe's quick run learns and writes its outputs and figures."""

from __future__ import annotations

from scratchdl.recipes import RECIPES, swiss_roll
from tests.recipes import check_quick_run
from tests.recipes.test_report import check_run_figures


def test_registered():
    assert RECIPES["swiss-roll"] is swiss_roll


def test_quick_run_learns_and_draws(tmp_path):
    # two balanced classes: chance is 0.5; the quick run reaches about 0.998
    check_quick_run(swiss_roll, tmp_path, min_test_accuracy=0.93)
    check_run_figures(tmp_path)

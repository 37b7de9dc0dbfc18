"""The `xor` recipe's quick run learns and writes its outputs and figures."""

from __future__ import annotations

from scratchdl.recipes import RECIPES, xor
from tests.recipes import check_quick_run
from tests.recipes.test_report import check_run_figures


def test_registered():
    assert RECIPES["xor"] is xor


def test_quick_run_learns_and_draws(tmp_path):
    # two balanced classes: chance is 0.5; the quick run reaches about 0.97
    check_quick_run(xor, tmp_path, min_test_accuracy=0.93)
    check_run_figures(tmp_path)

"""The `circles` recipe's quick run learns and writes its outputs."""

from __future__ import annotations

from scratchdl.recipes import RECIPES, circles
from tests.recipes import check_quick_run


def test_registered():
    assert RECIPES["circles"] is circles


def test_quick_run_learns(tmp_path):
    # two balanced classes: chance is 0.5; the quick run reaches 1.0
    check_quick_run(circles, tmp_path, min_test_accuracy=0.95)

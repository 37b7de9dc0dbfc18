"""The `moons` recipe's quick run learns and writes its outputs."""

from __future__ import annotations

from scratchdl.recipes import RECIPES, moons
from tests.recipes import check_quick_run


def test_registered():
    assert RECIPES["moons"] is moons


def test_quick_run_learns(tmp_path):
    # two balanced classes: chance is 0.5; the quick run reaches about 0.99
    check_quick_run(moons, tmp_path, min_test_accuracy=0.95)

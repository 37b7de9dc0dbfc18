"""The README's demo must actually learn."""

from __future__ import annotations

import runpy
from pathlib import Path

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def test_xor_demo_learns(capsys):
    module = runpy.run_path(str(EXAMPLES / "xor.py"))
    final_loss = module["main"](steps=600)
    printed = capsys.readouterr().out
    first_loss = float(printed.splitlines()[0].split("loss")[1])
    assert final_loss < 0.1 < first_loss

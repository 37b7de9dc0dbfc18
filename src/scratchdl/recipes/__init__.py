"""Runnable experiments that reproduce a known result: ``scratchdl run NAME``.

Each recipe is one module (its docstring states the expected result); ``RECIPES`` maps the
command-line name to it. See ``_common.py`` for what every recipe writes.
"""

from __future__ import annotations

from types import ModuleType

from scratchdl.recipes import (
    circles,
    deep,
    digits,
    logistic_regression,
    moons,
    planar,
    spirals,
    swiss_roll,
    xor,
)

RECIPES: dict[str, ModuleType] = {
    module.NAME: module
    for module in (
        circles,
        deep,
        digits,
        logistic_regression,
        moons,
        planar,
        spirals,
        swiss_roll,
        xor,
    )
}

__all__ = ["RECIPES"]

"""Runnable experiments that reproduce a known result: ``scratchdl run NAME``.

Each recipe is one module (its docstring states the expected result); ``RECIPES`` maps the
command-line name to it. See ``_common.py`` for what every recipe writes. The ``study-*``
recipes compare several runs that differ in one thing (optimizer, initialisation, learning
rate, regularization, batch size, activation) and write a ``report.html`` with their figures
(see ``_report.py``).
"""

from __future__ import annotations

from types import ModuleType

from scratchdl.recipes import (
    cifar,
    circles,
    deep,
    digits,
    digits_cnn,
    logistic_regression,
    mnist,
    mnist1d,
    moons,
    planar,
    spirals,
    study_activations,
    study_batch,
    study_init,
    study_lr,
    study_optimizers,
    study_regularization,
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
        study_optimizers,
        study_init,
        study_lr,
        study_regularization,
        study_batch,
        study_activations,
        digits_cnn,
        mnist1d,
        mnist,
        cifar,
    )
}

__all__ = ["RECIPES"]

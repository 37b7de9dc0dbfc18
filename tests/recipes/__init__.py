"""Tests of the recipes: each runs its quick version into a temporary folder.

``check_quick_run`` holds what every recipe must show: the three output files, metrics that are
fractions in [0, 1], a training loss that falls, and a test accuracy clearly above chance. A
``model.ckpt`` must be a checkpoint ``fit(resume=...)`` accepts: with the training loader's state.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import scratchdl as sd

ACCURACY_KEYS = ("train_accuracy", "test_accuracy")


def check_quick_run(
    module, out: Path, min_test_accuracy: float, seed: int = 0, weights: str = "model.ckpt"
) -> dict:
    """Run ``module`` with ``quick=True`` into ``out``, check the outputs, return metrics.json.

    ``weights`` names the file holding the trained model: ``model.ckpt`` (a checkpoint) for
    the recipes built on ``fit``, ``params.safetensors`` for ``deep``.
    """
    returned = module.run(seed=seed, out=out, quick=True)
    for name in ("metrics.json", "history.json", weights):
        assert (out / name).is_file(), f"{module.NAME}: {name} was not written"
    if weights == "model.ckpt":
        checkpoint = sd.load(out / weights)
        assert checkpoint["format"] == "scratchdl.checkpoint"
        assert len(checkpoint["loaders"]) == 1, f"{module.NAME}: no loader state to resume from"
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics.keys() == returned.keys()
    for key in ACCURACY_KEYS:
        assert 0.0 <= metrics[key] <= 1.0, f"{module.NAME}: {key}={metrics[key]!r}"
    for key in ("train_loss", "test_loss"):
        assert math.isfinite(metrics[key]) and metrics[key] >= 0.0
    assert metrics["seed"] == seed
    history = json.loads((out / "history.json").read_text())
    losses = history["loss"]
    assert len(losses) == metrics["epochs"] >= 2
    assert losses[-1] < 0.7 * losses[0], f"{module.NAME}: loss {losses[0]} -> {losses[-1]}"
    assert metrics["test_accuracy"] >= min_test_accuracy, (
        f"{module.NAME}: test accuracy {metrics['test_accuracy']} < {min_test_accuracy}"
    )
    return metrics

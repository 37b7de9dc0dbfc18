"""moons: a small MLP separates the two interleaved half-moons.

Expected result: >= 97% test accuracy (1000 training and 1000 test points, noise 0.15) after
100 epochs of Adam. Measured over seeds 0, 1, 2: test accuracy 99.1% on average (98.8% at
worst), about 1 s per run on 2 cores (``scratchdl run moons``, start-up included) for the
training and the numbers; drawing the figures (mostly the 26 frames of training.gif) adds
about 4 s.

The noise is 0.15, not 0.2: at 0.2 the two moons overlap so much that even the Bayes-optimal
classifier gets only about 97.1% (estimated on 20,000 points from the true class densities), so
no model can clear 97% reliably; at 0.15 the ceiling is about 99.2%.
"""

from __future__ import annotations

from scratchdl import nn
from scratchdl.data import moons
from scratchdl.recipes._common import train_classifier

NAME = "moons"
SUMMARY = "MLP on the two-moons set (>= 97% test accuracy)"
NOISE = 0.15


def run(epochs: int | None = None, seed: int = 0, out=None, quick: bool = False) -> dict:
    epochs = epochs if epochs is not None else (15 if quick else 100)

    def build_model():
        return nn.Sequential(
            nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1)
        )

    return train_classifier(
        NAME,
        build_model,
        moons(n=1000, noise=NOISE, seed=seed),
        moons(n=1000, noise=NOISE, seed=seed + 1000),
        epochs=epochs,
        lr=1e-2,
        batch_size=64,
        seed=seed,
        out=out,
        quick=quick,
    )

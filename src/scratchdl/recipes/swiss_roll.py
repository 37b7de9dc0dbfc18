"""swiss-roll: an MLP separates two interleaved spiral arms (a flat swiss roll).

Expected result: >= 97% test accuracy (1000 training and 1000 test points, noise 0.1) after
100 epochs of Adam. Measured over seeds 0, 1, 2: test accuracy 99.9% on average (99.8% at
worst), about 0.8 s per run on 2 cores (``scratchdl run swiss-roll``, start-up included), plus
about 4 s to draw the figures.
"""

from __future__ import annotations

from scratchdl import nn
from scratchdl.data import swiss_roll
from scratchdl.recipes._common import train_classifier

NAME = "swiss-roll"
SUMMARY = "MLP on two interleaved spiral arms (>= 97% test accuracy)"


def run(epochs: int | None = None, seed: int = 0, out=None, quick: bool = False) -> dict:
    epochs = epochs if epochs is not None else (30 if quick else 100)

    def build_model():
        return nn.Sequential(
            nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1)
        )

    return train_classifier(
        NAME,
        build_model,
        swiss_roll(n=1000, noise=0.1, seed=seed),
        swiss_roll(n=1000, noise=0.1, seed=seed + 1000),
        epochs=epochs,
        lr=1e-2,
        batch_size=64,
        seed=seed,
        out=out,
        quick=quick,
    )

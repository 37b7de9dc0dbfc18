"""moons: a small MLP separates the two interleaved half-moons.

Expected result: >= 97% test accuracy (1000 training and 1000 test points, noise 0.2; typically
about 99%) after 100 epochs, in a few seconds on 2 cores.
"""

from __future__ import annotations

from scratchdl import nn
from scratchdl.data import moons
from scratchdl.recipes._common import train_classifier

NAME = "moons"
SUMMARY = "MLP on the two-moons set (>= 97% test accuracy)"


def run(epochs: int | None = None, seed: int = 0, out=None, quick: bool = False) -> dict:
    epochs = epochs if epochs is not None else (15 if quick else 100)
    model = nn.Sequential(
        nn.Linear(2, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(), nn.Linear(32, 1)
    )
    return train_classifier(
        NAME,
        model,
        moons(n=1000, noise=0.2, seed=seed),
        moons(n=1000, noise=0.2, seed=seed + 1000),
        epochs=epochs,
        lr=1e-2,
        batch_size=64,
        seed=seed,
        out=out,
    )

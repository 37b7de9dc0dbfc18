"""digits: a softmax MLP reads scikit-learn's 8x8 handwritten digits.

Model: 64 -> 256 -> ReLU -> 128 -> ReLU -> 10 logits, softmax cross-entropy, Adam (lr 2e-3,
mini-batches of 64), trained on the stratified 80% split of ``load_digits`` (1,438 images, pixels
scaled to [0, 1]) and tested on the other 20% (359 images). The split and the initial weights both
follow ``seed``.

Expected result: >= 96% test accuracy after 60 epochs. Measured: 97.2%, 98.6% and 97.5% for seeds
0, 1, 2 (training accuracy 100%), in a few seconds on 2 cores. The quick version (3 epochs)
reaches about 92-96%.
"""

from __future__ import annotations

from scratchdl import nn
from scratchdl.data.datasets import load_digits
from scratchdl.recipes._common import train_classifier

NAME = "digits"
SUMMARY = "softmax MLP on scikit-learn's 8x8 digits (>= 96% test accuracy)"


def run(epochs: int | None = None, seed: int = 0, out=None, quick: bool = False) -> dict:
    epochs = epochs if epochs is not None else (3 if quick else 60)

    def build_model():
        return nn.Sequential(
            nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 128), nn.ReLU(), nn.Linear(128, 10)
        )

    return train_classifier(
        NAME,
        build_model,
        load_digits("train", seed=seed),
        load_digits("test", seed=seed),
        epochs=epochs,
        lr=2e-3,
        batch_size=64,
        seed=seed,
        out=out,
    )

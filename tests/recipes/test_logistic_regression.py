"""The `logistic-regression` recipe: one sigmoid neuron, on digits even/odd or on cat files."""

from __future__ import annotations

import json
from pathlib import Path

import h5py
import numpy as np

import scratchdl as sd
from scratchdl.recipes import RECIPES, logistic_regression
from tests.recipes import check_quick_run


def write_cat_files(folder: Path, n_train: int = 40, n_test: int = 20) -> None:
    """Small files in the cat-vs-non-cat format: 64x64x3 uint8 images, the cats redder."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    for split, n in (("train", n_train), ("test", n_test)):
        labels = np.arange(n) % 2  # balanced: chance is 0.5
        images = rng.integers(0, 200, size=(n, 64, 64, 3))
        images[labels == 1, :, :, 0] += 50
        with h5py.File(folder / f"{split}_catvnoncat.h5", "w") as f:
            f[f"{split}_set_x"] = images.astype(np.uint8)
            f[f"{split}_set_y"] = labels
            f["list_classes"] = np.array([b"non-cat", b"cat"])


def test_registered():
    assert RECIPES["logistic-regression"] is logistic_regression


def test_quick_run_on_digits_even_odd(tmp_path, monkeypatch):
    monkeypatch.setenv("SCRATCHDL_DATA", str(tmp_path / "no-data"))  # no cat files: digits
    # Two nearly balanced classes: chance is about 0.5; the quick run (20 full-batch steps)
    # reaches 0.88-0.89 (seeds 0-2).
    metrics = check_quick_run(logistic_regression, tmp_path / "out", min_test_accuracy=0.8)
    assert metrics["dataset"] == "digits_even_odd"
    assert metrics["epochs"] == 20
    state = sd.load(tmp_path / "out" / "model.ckpt")["model"]
    assert [np.shape(v) for v in state.values()] == [(1, 64), (1,)]  # one neuron, 64 pixels


def test_quick_run_on_cat_files(tmp_path, monkeypatch):
    write_cat_files(tmp_path / "data" / "datasets")  # the course's own layout
    monkeypatch.setenv("SCRATCHDL_DATA", str(tmp_path / "data"))
    out = tmp_path / "out"
    metrics = logistic_regression.run(seed=0, out=out, quick=True)
    assert metrics["dataset"] == "cat_vs_noncat"
    assert json.loads((out / "metrics.json").read_text()) == metrics
    state = sd.load(out / "model.ckpt")["model"]
    assert [np.shape(v) for v in state.values()] == [(1, 64 * 64 * 3), (1,)]  # flattened
    losses = json.loads((out / "history.json").read_text())["loss"]
    assert len(losses) == metrics["epochs"] == 30
    assert losses[-1] < 0.7 * losses[0]
    assert metrics["train_accuracy"] >= 0.9 and metrics["test_accuracy"] >= 0.8

"""The `mnist` recipe on small files in the real IDX format, and its message without them."""

from __future__ import annotations

import json

import numpy as np

from scratchdl.cli import main
from scratchdl.recipes import RECIPES, mnist
from tests.data.datasets.test_mnist import write_split


def _write_digits(folder, rng, n_train=96, n_test=32):
    """Learnable fake digits: each class is a bright bar at its own row, plus noise."""
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        labels = np.arange(n) % 10
        images = rng.integers(0, 60, size=(n, 28, 28))
        images[np.arange(n), 2 + 2 * labels, :] = 255
        write_split(folder, prefix, images.astype(np.uint8), labels.astype(np.uint8))


def test_registered():
    assert RECIPES["mnist"] is mnist


def test_lenet_learns_fake_digits_from_idx_files(tmp_path, monkeypatch):
    _write_digits(tmp_path / "data" / "mnist", np.random.default_rng(0))
    monkeypatch.setenv("SCRATCHDL_DATA", str(tmp_path / "data"))
    out = tmp_path / "out"
    assert main(["run", "mnist", "--epochs", "3", "--quick", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["train_images"] == 96 and metrics["dataset"] == "mnist"
    # Ten classes (chance 0.1); the bars are easy: both models learn them in three epochs.
    assert metrics["lenet_test_accuracy"] >= 0.5 and metrics["mlp_test_accuracy"] >= 0.5
    history = json.loads((out / "history.json").read_text())
    assert history["lenet"]["loss"][-1] < history["lenet"]["loss"][0]
    for name in ("filters.png", "feature_maps.png", "saliency.png", "comparison.png"):
        assert (out / name).stat().st_size > 1000, name


def test_missing_files_give_a_clear_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SCRATCHDL_DATA", str(tmp_path))
    assert main(["run", "mnist", "--dataset", "fashion-mnist", "--out", str(tmp_path)]) == 2
    message = capsys.readouterr().err
    assert "needs the FashionMNIST files" in message and str(tmp_path) in message
    assert "FashionMNIST(download=True)" in message

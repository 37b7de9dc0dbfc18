"""The `cifar` recipe on small files in the real CIFAR format, and its message without them."""

from __future__ import annotations

import json

import numpy as np
import pytest

from scratchdl.cli import main
from scratchdl.recipes import RECIPES, cifar
from tests.data.datasets.test_cifar import write_cifar10, write_pickle


def test_registered():
    assert RECIPES["cifar"] is cifar


def test_runs_the_three_models_on_cifar_files(tmp_path, monkeypatch):
    write_cifar10(tmp_path / "data" / "cifar-10-batches-py", np.random.default_rng(0))
    monkeypatch.setenv("SCRATCHDL_DATA", str(tmp_path / "data"))
    out = tmp_path / "out"
    assert main(["run", "cifar", "--quick", "--limit", "8", "--out", str(out)]) == 0
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["train_images"] == 8 and metrics["dataset"] == "cifar10"
    for name in ("mlp", "cnn", "resnet18"):
        assert 0.0 <= metrics[f"{name}_test_accuracy"] <= 1.0
    history = json.loads((out / "history.json").read_text())
    assert set(history) == {"mlp", "cnn", "resnet18"}
    for name in ("cnn_filters.png", "resnet18_feature_maps.png", "comparison.png"):
        assert (out / name).stat().st_size > 1000, name


def test_missing_files_give_a_clear_message(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SCRATCHDL_DATA", str(tmp_path))
    assert main(["run", "cifar", "--quick", "--out", str(tmp_path / "out")]) == 2
    message = capsys.readouterr().err
    assert "needs the CIFAR10 files" in message and str(tmp_path) in message
    assert "CIFAR10(download=True)" in message


def test_unknown_dataset_is_refused(tmp_path, monkeypatch):
    monkeypatch.setenv("SCRATCHDL_DATA", str(tmp_path))
    with pytest.raises(ValueError, match=r"dataset must be one of \['cifar10', 'cifar100'\]"):
        cifar.run(quick=True, out=tmp_path, dataset="svhn")


def test_cifar100_models_get_100_classes(tmp_path, monkeypatch):
    # CIFAR100 sets its class count per instance (100 fine or 20 coarse labels), so the recipe
    # must read it from the loaded set: the class attribute it inherits from CIFAR10 says 10.
    rng = np.random.default_rng(0)
    folder = tmp_path / "cifar-100-python"
    for split, n in (("train", 12), ("test", 4)):
        batch = {
            b"data": rng.integers(0, 256, size=(n, 3072), dtype=np.uint8),
            b"fine_labels": [int(v) for v in rng.integers(0, 100, n)],
            b"coarse_labels": [int(v) for v in rng.integers(0, 20, n)],
        }
        write_pickle(folder / split, batch, 2)
    monkeypatch.setenv("SCRATCHDL_DATA", str(tmp_path))
    train, test, classes = cifar.load("cifar100", limit=10)
    assert classes == 100
    assert len(train) == 10 and len(test) == 2  # limit training images, limit // 5 test images

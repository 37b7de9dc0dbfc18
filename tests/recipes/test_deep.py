"""The `deep` recipe: the hand-written L-layer network learns and writes its outputs."""

from __future__ import annotations

import json

import numpy as np

import scratchdl as sd
from scratchdl.manual import predict
from scratchdl.recipes import RECIPES, deep
from scratchdl.recipes.logistic_regression import binary_image_task
from tests.recipes import check_quick_run
from tests.recipes.test_logistic_regression import write_cat_files


def test_registered():
    assert RECIPES["deep"] is deep


def test_quick_run_on_digits_even_odd(tmp_path, monkeypatch):
    monkeypatch.setenv("SCRATCHDL_DATA", str(tmp_path / "no-data"))  # no cat files: digits
    out = tmp_path / "out"
    # Two nearly balanced classes: chance is about 0.5; the quick run (300 full-batch steps)
    # reaches 0.94-0.96 (seeds 0-2), above the single neuron's 0.92-0.94 after 500 steps.
    metrics = check_quick_run(deep, out, min_test_accuracy=0.9, weights="params.safetensors")
    assert metrics["dataset"] == "digits_even_odd" and metrics["epochs"] == 300
    # params.safetensors is the course's parameter dictionary, for scratchdl.manual.predict.
    assert not (out / "model.ckpt").exists()  # the name of a checkpoint, which this is not
    parameters = sd.load(out / "params.safetensors")
    shapes = {name: np.shape(value) for name, value in parameters.items()}
    assert shapes == {
        "W1": (20, 64), "b1": (20, 1), "W2": (7, 20), "b2": (7, 1),
        "W3": (5, 7), "b3": (5, 1), "W4": (1, 5), "b4": (1, 1),
    }  # fmt: skip
    _, test_set, _ = binary_image_task(seed=0)
    X, Y = (a.T.astype(np.float64) for a in test_set.arrays)
    assert np.mean(predict(X, parameters) == Y) == metrics["test_accuracy"]


def test_quick_run_on_cat_files(tmp_path):
    write_cat_files(tmp_path / "data")
    metrics = deep.run(seed=0, out=tmp_path / "out", quick=True, root=tmp_path / "data")
    assert metrics["dataset"] == "cat_vs_noncat" and metrics["epochs"] == 100
    assert sd.load(tmp_path / "out" / "params.safetensors")["W1"].shape == (20, 64 * 64 * 3)
    costs = json.loads((tmp_path / "out" / "history.json").read_text())["loss"]
    assert len(costs) == 100 and costs[-1] < 0.7 * costs[0]
    assert 0.0 <= metrics["test_accuracy"] <= 1.0

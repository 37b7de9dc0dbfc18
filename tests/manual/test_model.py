"""tests for scratchdl.manual.model.L_layer_model: it learns a small separable 2-D problem with
every optimizer, with mini-batches, L2 and dropout, reproducibly and fast."""

from __future__ import annotations

import time

import numpy as np
import pytest

from scratchdl.manual import L_layer_model, predict


def _two_blobs(seed=0, m=200):
    """Two Gaussian blobs at (-1.5, -1.5) and (1.5, 1.5): separable with a wide margin."""
    rng = np.random.default_rng(seed)
    Y = (np.arange(m) % 2).reshape(1, m).astype(np.float64)
    X = rng.standard_normal((2, m)) * 0.6 + np.where(Y == 1, 1.5, -1.5)
    return X, Y


@pytest.mark.parametrize(
    ("optimizer", "learning_rate", "mini_batch_size"),
    [("gd", 0.1, None), ("momentum", 0.1, 64), ("rmsprop", 0.005, 32), ("adam", 0.01, 64)],
)
def test_learns_separable_blobs(optimizer, learning_rate, mini_batch_size):
    X, Y = _two_blobs()
    start = time.perf_counter()
    parameters, costs = L_layer_model(
        X, Y, [2, 8, 4, 1], learning_rate, num_iterations=150, optimizer=optimizer,
        mini_batch_size=mini_batch_size, seed=0,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    assert elapsed < 2.0
    assert len(costs) == 150
    assert costs[-1] < 0.5 * costs[0]
    X_test, Y_test = _two_blobs(seed=1)
    assert np.mean(predict(X, parameters) == Y) > 0.9
    assert np.mean(predict(X_test, parameters) == Y_test) > 0.9


def test_learns_with_l2_and_dropout_tanh():
    X, Y = _two_blobs()
    parameters, costs = L_layer_model(
        X, Y, [2, 16, 1], 0.01, num_iterations=100, optimizer="adam", mini_batch_size=50,
        lambd=0.1, keep_prob=0.8, initialization="xavier", seed=3, hidden_activation="tanh",
    )  # fmt: skip
    assert costs[-1] < costs[0]
    assert np.mean(predict(X, parameters, hidden_activation="tanh") == Y) > 0.9


def test_learns_a_ring_around_a_disk():
    """Inside radius 1 vs outside radius 1.5: separable, but not by a line."""
    rng = np.random.default_rng(0)
    angle, m = rng.uniform(0, 2 * np.pi, 300), 300
    Y = (np.arange(m) % 2).reshape(1, m).astype(np.float64)
    radius = np.where(Y[0] == 1, rng.uniform(1.5, 2.5, m), rng.uniform(0, 1, m))
    X = np.stack([radius * np.cos(angle), radius * np.sin(angle)])
    parameters, costs = L_layer_model(
        X, Y, [2, 16, 8, 1], 0.02, num_iterations=200, optimizer="adam", mini_batch_size=64,
        seed=0,
    )  # fmt: skip
    assert costs[-1] < 0.2 * costs[0]
    assert np.mean(predict(X, parameters) == Y) > 0.95


def test_same_seed_same_run_and_float64_default():
    X, Y = _two_blobs()
    kwargs = dict(num_iterations=5, optimizer="adam", mini_batch_size=32, keep_prob=0.9, seed=7)
    a, costs_a = L_layer_model(X, Y, [2, 4, 1], **kwargs)
    b, costs_b = L_layer_model(X, Y, [2, 4, 1], **kwargs)
    assert costs_a == costs_b
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert a["W1"].dtype == np.float64


def test_print_cost(capsys):
    X, Y = _two_blobs(m=20)
    L_layer_model(X, Y, [2, 1], num_iterations=101, print_cost=True, seed=0)
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "Cost after iteration 0",
        "Cost after iteration 100",
    ]


def test_errors():
    X, Y = _two_blobs(m=10)
    with pytest.raises(ValueError, match="unknown optimizer 'sgd'"):
        L_layer_model(X, Y, [2, 1], optimizer="sgd")
    with pytest.raises(ValueError, match="must start with n_x"):
        L_layer_model(X, Y, [3, 1])

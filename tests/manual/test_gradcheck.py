"""tests for scratchdl.manual.gradcheck: flattening round trips, and gradient_check_n accepting
the hand-written backward pass and rejecting a wrong one."""

from __future__ import annotations

import numpy as np
import pytest

from scratchdl.manual import (
    L_model_backward,
    L_model_forward,
    dictionary_to_vector,
    gradient_check_n,
    gradients_to_vector,
    initialize_parameters,
    vector_to_dictionary,
)

LAYER_DIMS = [4, 5, 3, 1]


def _problem(rng, hidden="relu", lambd=0.0, dtype=np.float64):
    X = rng.standard_normal((4, 6)).astype(dtype)
    Y = (rng.random((1, 6)) > 0.5).astype(dtype)
    p = initialize_parameters(LAYER_DIMS, "xavier", seed=0, dtype=dtype)
    p = {k: v + (0.1 * rng.standard_normal(v.shape)).astype(dtype) for k, v in p.items()}
    AL, caches = L_model_forward(X, p, hidden_activation=hidden)
    return X, Y, p, L_model_backward(AL, Y, caches, lambd=lambd)


def test_dictionary_vector_round_trip(rng):
    p = initialize_parameters(LAYER_DIMS, seed=0)
    p = {k: v + rng.standard_normal(v.shape) for k, v in p.items()}
    theta, shapes = dictionary_to_vector(p)
    assert theta.shape == (sum(v.size for v in p.values()), 1)
    assert list(shapes) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    back = vector_to_dictionary(theta, shapes)
    for k in p:
        np.testing.assert_array_equal(back[k], p[k])
    back["W1"][0, 0] = 123.0  # a copy, not a view of theta
    assert theta[0, 0] != 123.0
    # Order: W1 row-major first, then b1, ...
    np.testing.assert_array_equal(theta[:20, 0], p["W1"].ravel())
    np.testing.assert_array_equal(theta[20:25, 0], p["b1"].ravel())


def test_vector_to_dictionary_rejects_wrong_length():
    with pytest.raises(ValueError, match="hold 6 numbers but theta has 7"):
        vector_to_dictionary(np.zeros((7, 1)), {"W1": (2, 2), "b1": (2, 1)})


def test_gradients_to_vector_matches_parameter_order(rng):
    _, _, p, grads = _problem(rng)
    theta, _ = dictionary_to_vector(p)
    g = gradients_to_vector(grads)  # dA0.. are present in grads and ignored
    assert g.shape == theta.shape
    np.testing.assert_array_equal(g[:20, 0], grads["dW1"].ravel())
    np.testing.assert_array_equal(g[-1:, 0], grads["db3"].ravel())


@pytest.mark.parametrize(("hidden", "lambd"), [("relu", 0.0), ("tanh", 0.0), ("tanh", 0.5)])
def test_gradient_check_accepts_backprop(rng, hidden, lambd):
    X, Y, p, grads = _problem(rng, hidden, lambd)
    difference = gradient_check_n(p, grads, X, Y, hidden_activation=hidden, lambd=lambd)
    assert difference < 1e-7


def test_gradient_check_rejects_a_wrong_gradient(rng, capsys):
    X, Y, p, grads = _problem(rng, "tanh")
    grads["dW2"] = grads["dW2"] * 1.5
    assert gradient_check_n(p, grads, X, Y, hidden_activation="tanh", print_msg=True) > 1e-3
    assert "there is a mistake" in capsys.readouterr().out


def test_gradient_check_runs_in_float64_for_float32_parameters(rng):
    # float32 backprop agrees with float64 central differences to float32 rounding, not 1e-7.
    X, Y, p, grads = _problem(rng, "tanh", dtype=np.float32)
    assert 1e-10 < gradient_check_n(p, grads, X, Y, hidden_activation="tanh") < 1e-5

"""tests for scratchdl.manual.network: shapes, golden values, and the hand-written gradients
against scratchdl's autograd on the same weights, data and dropout masks (float64)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import scratchdl as sd
from scratchdl.manual import (
    L_model_backward,
    L_model_forward,
    compute_cost,
    dropout_backward,
    dropout_forward,
    initialize_parameters,
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    linear_forward,
    predict,
    relu,
    relu_backward,
    sigmoid,
    sigmoid_backward,
    tanh,
    tanh_backward,
)
from scratchdl.nn import functional as F

LAYER_DIMS = [3, 5, 4, 1]


def _data(rng, n_x=3, m=7):
    X = rng.standard_normal((n_x, m))
    Y = (rng.random((1, m)) > 0.5).astype(np.float64)
    return X, Y


def _autograd(X, Y, parameters, hidden, output, lambd=0.0, masks=None, keep_prob=1.0):
    """The same network built from scratchdl ops; returns (cost, {"dW1", "db1", ...}, dX)."""
    act = {"relu": sd.relu, "tanh": sd.tanh, "sigmoid": sd.sigmoid}
    L = len(parameters) // 2
    m = X.shape[1]
    t = {name: sd.tensor(value, requires_grad=True) for name, value in parameters.items()}
    x = sd.tensor(X, requires_grad=True)
    A = x
    for l in range(1, L + 1):
        A = act[output if l == L else hidden](sd.matmul(t[f"W{l}"], A) + t[f"b{l}"])
        if masks is not None and l < L:
            A = A * sd.tensor(masks[l - 1] / keep_prob)
    cost = F.binary_cross_entropy(A, sd.tensor(Y))
    if lambd > 0:
        for l in range(1, L + 1):
            cost = cost + lambd / (2 * m) * sd.sum(t[f"W{l}"] * t[f"W{l}"])
    cost.backward()
    return cost.item(), {f"d{name}": value.grad.data for name, value in t.items()}, x.grad.data


def _assert_grads_equal(manual, auto):
    for name, expected in auto.items():
        np.testing.assert_allclose(manual[name], expected, rtol=1e-10, atol=1e-12, err_msg=name)


# ---------------------------------------------------------------------------------------------
# initialize_parameters


@pytest.mark.parametrize("method", ["he", "xavier", "small_random", "zeros"])
def test_initialize_parameters_shapes_and_dtype(method):
    p = initialize_parameters(LAYER_DIMS, method, seed=0)
    assert list(p) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    for l in range(1, len(LAYER_DIMS)):
        assert p[f"W{l}"].shape == (LAYER_DIMS[l], LAYER_DIMS[l - 1])
        assert p[f"b{l}"].shape == (LAYER_DIMS[l], 1)
        assert p[f"W{l}"].dtype == np.float64
        assert not p[f"b{l}"].any()


def test_initialize_parameters_scales():
    dims = [400, 300, 1]
    he = initialize_parameters(dims, "he", seed=0)["W1"]
    xavier = initialize_parameters(dims, "xavier", seed=0)["W1"]
    small = initialize_parameters(dims, "small_random", seed=0)["W1"]
    assert he.std() == pytest.approx(np.sqrt(2 / 400), rel=0.02)
    assert xavier.std() == pytest.approx(np.sqrt(1 / 400), rel=0.02)
    assert small.std() == pytest.approx(0.01, rel=0.02)
    assert not initialize_parameters(dims, "zeros")["W1"].any()


def test_initialize_parameters_seed_and_dtype():
    a = initialize_parameters(LAYER_DIMS, seed=3)
    b = initialize_parameters(LAYER_DIMS, seed=3)
    c = initialize_parameters(LAYER_DIMS, seed=4)
    assert all(np.array_equal(a[k], b[k]) for k in a)
    assert not np.array_equal(a["W1"], c["W1"])
    p32 = initialize_parameters(LAYER_DIMS, seed=3, dtype=np.float32)
    assert all(v.dtype == np.float32 for v in p32.values())


@pytest.mark.parametrize("dims", [[3], [3, 0, 1]])
def test_initialize_parameters_rejects_bad_dims(dims):
    with pytest.raises(ValueError, match="layer_dims"):
        initialize_parameters(dims)


def test_initialize_parameters_rejects_unknown_method():
    with pytest.raises(ValueError, match="'glorot'"):
        initialize_parameters(LAYER_DIMS, "glorot")


# ---------------------------------------------------------------------------------------------
# activations and linear pieces


def test_activations_golden_values():
    Z = np.array([[-1.0, 0.0, 2.0]])
    A, cache = sigmoid(Z)
    np.testing.assert_allclose(A, 1 / (1 + np.exp(-Z)), rtol=1e-15)
    assert cache is Z
    np.testing.assert_array_equal(relu(Z)[0], [[0.0, 0.0, 2.0]])
    np.testing.assert_allclose(tanh(Z)[0], np.tanh(Z), rtol=1e-15)
    dA = np.array([[2.0, 3.0, 4.0]])
    s = 1 / (1 + np.exp(-Z))
    np.testing.assert_allclose(sigmoid_backward(dA, Z), dA * s * (1 - s), rtol=1e-15)
    np.testing.assert_array_equal(relu_backward(dA, Z), [[0.0, 0.0, 4.0]])  # relu'(0) = 0
    np.testing.assert_allclose(tanh_backward(dA, Z), dA * (1 - np.tanh(Z) ** 2), rtol=1e-15)


def test_sigmoid_is_stable_for_large_inputs():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        A, _ = sigmoid(np.array([[-1000.0, 1000.0]]))
    np.testing.assert_array_equal(A, [[0.0, 1.0]])


def test_activations_keep_float32():
    Z = np.linspace(-2, 2, 6, dtype=np.float32).reshape(2, 3)
    for forward, backward in [(sigmoid, sigmoid_backward), (relu, relu_backward)]:
        assert forward(Z)[0].dtype == np.float32
        assert backward(Z, Z).dtype == np.float32
    assert tanh_backward(Z, Z).dtype == np.float32


def test_linear_forward_and_backward_golden(rng):
    A_prev, W, b = rng.standard_normal((3, 4)), rng.standard_normal((2, 3)), np.ones((2, 1))
    Z, cache = linear_forward(A_prev, W, b)
    np.testing.assert_allclose(Z, W @ A_prev + b, rtol=1e-15)
    dZ = rng.standard_normal((2, 4))
    dA_prev, dW, db = linear_backward(dZ, cache)
    np.testing.assert_allclose(dW, dZ @ A_prev.T / 4, rtol=1e-14)
    np.testing.assert_allclose(db, dZ.sum(axis=1, keepdims=True) / 4, rtol=1e-14)
    np.testing.assert_allclose(dA_prev, W.T @ dZ, rtol=1e-14)
    assert (dA_prev.shape, dW.shape, db.shape) == (A_prev.shape, W.shape, b.shape)


def test_linear_forward_rejects_row_major_input():
    with pytest.raises(ValueError, match=r"pass X\.T"):
        linear_forward(np.ones((4, 3)), np.ones((2, 3)), np.zeros((2, 1)))
    with pytest.raises(ValueError, match=r"b must have shape \(2, 1\)"):
        linear_forward(np.ones((3, 4)), np.ones((2, 3)), np.zeros(2))


@pytest.mark.parametrize("activation", ["sigmoid", "relu", "tanh"])
def test_linear_activation_matches_autograd(rng, activation):
    A_prev, W, b = rng.standard_normal((3, 5)), rng.standard_normal((2, 3)), rng.random((2, 1))
    A, cache = linear_activation_forward(A_prev, W, b, activation)
    dA = rng.standard_normal(A.shape)
    dA_prev, dW, db = linear_activation_backward(dA, cache, activation)
    t = [sd.tensor(a, requires_grad=True) for a in (A_prev, W, b)]
    out = getattr(sd, activation)(sd.matmul(t[1], t[0]) + t[2])
    np.testing.assert_allclose(A, out.data, rtol=1e-14)
    # linear_backward divides dW and db by m: dA is the gradient of a sum over the m columns.
    sd.sum(out * sd.tensor(dA)).backward()
    np.testing.assert_allclose(dA_prev, t[0].grad.data, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dW, t[1].grad.data / 5, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(db, t[2].grad.data / 5, rtol=1e-12, atol=1e-14)


def test_unknown_activation_raises():
    with pytest.raises(ValueError, match="unknown activation 'softmax'"):
        linear_activation_forward(np.ones((1, 1)), np.ones((1, 1)), np.ones((1, 1)), "softmax")


# ---------------------------------------------------------------------------------------------
# forward pass, dropout, cost


def test_L_model_forward_shapes_and_caches(rng):
    X, _ = _data(rng)
    p = initialize_parameters(LAYER_DIMS, seed=0)
    AL, caches = L_model_forward(X, p)
    assert AL.shape == (1, 7)
    assert len(caches) == 3
    for l, (linear_cache, Z, activation, D) in enumerate(caches, start=1):
        A_prev, W, b = linear_cache
        assert A_prev.shape == (LAYER_DIMS[l - 1], 7)
        assert W is p[f"W{l}"] and b is p[f"b{l}"]
        assert Z.shape == (LAYER_DIMS[l], 7)
        assert activation == ("sigmoid" if l == 3 else "relu")
        assert D is None
    assert caches[0][0][0] is X


def test_L_model_forward_dropout_masks(rng):
    X, _ = _data(rng, m=2000)
    p = initialize_parameters(LAYER_DIMS, seed=0)
    AL, caches = L_model_forward(X, p, keep_prob=0.8, rng=np.random.default_rng(0))
    D1, D2, D3 = (c[3] for c in caches)
    assert D3 is None  # never on the output layer
    assert D1.shape == (5, 2000) and D2.shape == (4, 2000) and D1.dtype == bool
    assert D1.mean() == pytest.approx(0.8, abs=0.03)
    # The input of layer 2 is relu(Z1) with the dropped units zeroed and the kept ones / 0.8.
    np.testing.assert_allclose(caches[1][0][0], np.maximum(caches[0][1], 0) * D1 / 0.8)
    # Same seed, same masks.
    _, again = L_model_forward(X, p, keep_prob=0.8, rng=0)
    _, same = L_model_forward(X, p, keep_prob=0.8, rng=0)
    assert np.array_equal(again[0][3], same[0][3])


def test_dropout_forward_backward(rng):
    A = rng.standard_normal((4, 1000))
    out, D = dropout_forward(A, 0.5, np.random.default_rng(1))
    np.testing.assert_array_equal(out, A * D * 2)
    dA = rng.standard_normal(A.shape)
    np.testing.assert_array_equal(dropout_backward(dA, D, 0.5), dA * D * 2)


@pytest.mark.parametrize("keep_prob", [0.0, 1.5, -0.1])
def test_keep_prob_out_of_range_raises(keep_prob):
    with pytest.raises(ValueError, match="keep_prob"):
        L_model_forward(np.ones((3, 2)), initialize_parameters(LAYER_DIMS), keep_prob=keep_prob)


def test_compute_cost_golden_and_l2():
    AL = np.array([[0.8, 0.1, 0.6]])
    Y = np.array([[1.0, 0.0, 0.0]])
    expected = -(np.log(0.8) + np.log(0.9) + np.log(0.4)) / 3
    assert compute_cost(AL, Y) == pytest.approx(expected, rel=1e-14)
    p = {"W1": np.array([[1.0, 2.0]]), "b1": np.array([[5.0]]), "W2": np.array([[3.0]]),
         "b2": np.array([[7.0]])}  # fmt: skip
    # (lambd / 2m) * (1 + 4 + 9); the biases are not penalised.
    l2 = compute_cost(AL, Y, p, lambd=0.6) - compute_cost(AL, Y)
    assert l2 == pytest.approx(0.6 / 6 * 14, rel=1e-12)
    assert isinstance(compute_cost(AL, Y), float)


def test_compute_cost_is_finite_when_saturated():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cost = compute_cost(np.array([[0.0, 1.0]]), np.array([[1.0, 0.0]]))
    assert cost == pytest.approx(100.0)


def test_compute_cost_errors():
    with pytest.raises(ValueError, match=r"\(1, m\)"):
        compute_cost(np.ones((1, 3)) / 2, np.ones(3))
    with pytest.raises(ValueError, match="parameters"):
        compute_cost(np.ones((1, 3)) / 2, np.ones((1, 3)), lambd=0.1)


# ---------------------------------------------------------------------------------------------
# backward pass against autograd


@pytest.mark.parametrize("hidden", ["relu", "tanh"])
@pytest.mark.parametrize("lambd", [0.0, 0.7])
def test_L_model_backward_matches_autograd(rng, hidden, lambd):
    X, Y = _data(rng)
    p = initialize_parameters(LAYER_DIMS, "xavier", seed=1)
    p = {k: v + 0.1 * rng.standard_normal(v.shape) for k, v in p.items()}  # nonzero biases
    AL, caches = L_model_forward(X, p, hidden_activation=hidden)
    grads = L_model_backward(AL, Y, caches, lambd=lambd)
    cost, auto, dX = _autograd(X, Y, p, hidden, "sigmoid", lambd=lambd)
    assert compute_cost(AL, Y, p, lambd) == pytest.approx(cost, rel=1e-13)
    _assert_grads_equal(grads, auto)
    np.testing.assert_allclose(grads["dA0"] / X.shape[1], dX, rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("hidden", ["relu", "tanh"])
def test_L_model_backward_with_dropout_matches_autograd(rng, hidden):
    X, Y = _data(rng, m=9)
    p = initialize_parameters(LAYER_DIMS, "he", seed=2)
    AL, caches = L_model_forward(X, p, hidden_activation=hidden, keep_prob=0.7, rng=5)
    masks = [c[3] for c in caches]
    assert not masks[0].all()  # some units really were dropped
    grads = L_model_backward(AL, Y, caches, lambd=0.3, keep_prob=0.7)
    cost, auto, _ = _autograd(X, Y, p, hidden, "sigmoid", 0.3, masks, keep_prob=0.7)
    assert compute_cost(AL, Y, p, 0.3) == pytest.approx(cost, rel=1e-13)
    _assert_grads_equal(grads, auto)


def test_L_model_backward_gradient_shapes(rng):
    X, Y = _data(rng)
    p = initialize_parameters(LAYER_DIMS, seed=0)
    AL, caches = L_model_forward(X, p)
    grads = L_model_backward(AL, Y, caches)
    assert sorted(grads) == sorted(["dW1", "db1", "dW2", "db2", "dW3", "db3", "dA0", "dA1", "dA2"])
    for l in range(1, 4):
        assert grads[f"dW{l}"].shape == p[f"W{l}"].shape
        assert grads[f"db{l}"].shape == p[f"b{l}"].shape
        assert grads[f"dA{l - 1}"].shape == (LAYER_DIMS[l - 1], 7)


def test_L_model_backward_saturated_output_is_finite():
    p = {"W1": np.array([[100.0]]), "b1": np.zeros((1, 1))}
    X = np.array([[1.0, -1.0]])  # AL[0, 0] rounds to exactly 1.0 in float64
    AL, caches = L_model_forward(X, p)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        grads = L_model_backward(AL, np.array([[1.0, 0.0]]), caches)
    assert np.isfinite(grads["dW1"]).all()


def test_L_model_backward_keeps_float32(rng):
    X, Y = _data(rng)
    p = initialize_parameters(LAYER_DIMS, seed=0, dtype=np.float32)
    AL, caches = L_model_forward(X.astype(np.float32), p, keep_prob=0.9, rng=0)
    grads = L_model_backward(AL, Y.astype(np.float32), caches, lambd=0.1, keep_prob=0.9)
    assert AL.dtype == np.float32
    assert all(g.dtype == np.float32 for g in grads.values())


# ---------------------------------------------------------------------------------------------
# predict


def test_predict_golden():
    p = {"W1": np.array([[1.0, -1.0]]), "b1": np.array([[0.5]])}
    X = np.array([[2.0, 0.0, 1.0], [1.0, 3.0, 1.0]])  # Z = [1.5, -2.5, 0.5]
    np.testing.assert_array_equal(predict(X, p), [[1, 0, 1]])
    np.testing.assert_array_equal(predict(X, p, threshold=0.7), [[1, 0, 0]])

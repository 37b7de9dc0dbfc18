"""Tests of ops/activation.py: tanh sigmoid relu leaky_relu elu softplus, and gelu
(ops/gelu.py) in the tables shared with them."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import scratchdl as sd
from tests._harness.gradients import check_gradients
from tests._harness.oracle import compare_with_torch

# 0-d, size-1 axes, batch > 1, non-square.
SHAPES = [(), (1,), (4, 1, 3), (2, 5)]

# name -> scratchdl function. Inputs are kept at least 0.1 from x = 0 (the kink of the relus,
# elu) and, for softplus with threshold=1, from beta * x = 1.
ACTIVATIONS = {
    "tanh": sd.tanh,
    "sigmoid": sd.sigmoid,
    "relu": sd.relu,
    "leaky_relu": sd.leaky_relu,
    "leaky_relu(0.2)": lambda x: sd.leaky_relu(x, negative_slope=0.2),
    "elu": sd.elu,
    "elu(0.5)": lambda x: sd.elu(x, alpha=0.5),
    "gelu": sd.gelu,
    "gelu(tanh)": lambda x: sd.gelu(x, approximate="tanh"),
    "softplus": sd.softplus,
    "softplus(2, 1)": lambda x: sd.softplus(x, beta=2.0, threshold=1.0),
}


def _torch_functions():
    import torch
    import torch.nn.functional as F

    return {
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "relu": torch.relu,
        "leaky_relu": F.leaky_relu,
        "leaky_relu(0.2)": lambda x: F.leaky_relu(x, negative_slope=0.2),
        "elu": F.elu,
        "elu(0.5)": lambda x: F.elu(x, alpha=0.5),
        "gelu": F.gelu,
        "gelu(tanh)": lambda x: F.gelu(x, approximate="tanh"),
        "softplus": F.softplus,
        "softplus(2, 1)": lambda x: F.softplus(x, beta=2.0, threshold=1.0),
    }


def _input(rng, shape, scale: float = 2.0) -> np.ndarray:
    z = scale * np.asarray(rng.standard_normal(shape))
    z = np.sign(z) * (np.abs(z) + 0.1) + (z == 0) * 0.1  # |x| >= 0.1
    near_threshold = np.abs(2.0 * z - 1.0) < 0.1  # softplus(beta=2, threshold=1)
    return np.where(near_threshold, z + 0.1, z)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_gradients(rng, name, shape):
    check_gradients(ACTIVATIONS[name], _input(rng, shape), double=True)


@pytest.mark.parametrize("name", list(ACTIVATIONS))
def test_gradients_non_contiguous(rng, name):
    check_gradients(ACTIVATIONS[name], _input(rng, (4, 3)).T, double=True)


@pytest.mark.parametrize(
    ("fn", "node"),
    [
        (sd.elu, "EluBackward"),
        (lambda x: sd.elu(x, alpha=0.5), "EluBackward"),
        (sd.softplus, "SoftplusBackward"),
        (lambda x: sd.softplus(x, beta=2.0, threshold=1.0), "SoftplusBackward"),
    ],
    ids=["elu", "elu(0.5)", "softplus", "softplus(2, 1)"],
)
def test_fused_backward_is_one_node(rng, fn, node):
    # The gradient is one fused op (not a chain of 5-7 Tensor ops), and that op has its own
    # backward: its inputs are g and one tensor of the activation (x or its output).
    x = sd.tensor(_input(rng, (3, 4)), requires_grad=True)
    g = sd.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    (dx,) = sd.autograd.grad([fn(x)], [x], grad_outputs=[g], create_graph=True)
    assert type(dx.grad_fn).__name__ == node
    assert dx.grad_fn.inputs[0] is g

    def slope(t):  # the first derivative, whose gradients are checked to the third order
        (dt,) = sd.autograd.grad([fn(t)], [t], grad_outputs=[sd.ones_like(t)], create_graph=True)
        return dt

    check_gradients(slope, _input(rng, (5,)), double=True)


@pytest.mark.parametrize("alpha", [1.0, 0.5, 2.0])
def test_elu_slope_is_exact(alpha):
    # alpha * e^x where x <= 0 (computed from x, so the tail keeps its relative precision),
    # exactly 1 where x > 0 and exactly alpha at 0, for alpha = 1 without the masks.
    x = np.array([-700.0, -40.0, -1.0, 0.0, 1e-300, 3.0, np.inf])
    t = sd.tensor(x, requires_grad=True)
    sd.elu(t, alpha=alpha).backward(sd.ones_like(t))
    expected = np.where(x > 0, 1.0, alpha * np.exp(np.minimum(x, 0)))
    np.testing.assert_allclose(t.grad.data, expected, rtol=1e-15, atol=0)


@pytest.mark.parametrize("beta", [1.0, 2.0])
def test_softplus_slope_keeps_the_left_tail(beta):
    # sigmoid(beta x) from the output: -expm1(-beta y) keeps its relative precision where it is
    # tiny, and is exactly 1 above the threshold.
    x = np.array([-300.0, -40.0, -5.0, 0.0, 3.0, 9.0, 11.0, 50.0])
    t = sd.tensor(x, requires_grad=True)
    sd.softplus(t, beta=beta).backward(sd.ones_like(t))
    z = beta * x
    expected = np.where(z > 20, 1.0, 1 / (1 + np.exp(-z)))
    np.testing.assert_allclose(t.grad.data, expected, rtol=1e-13, atol=0)


# ------------------------------------------------------------------ conventions at kinks
@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        (sd.relu, 0.0),
        (lambda x: sd.leaky_relu(x, 0.2), 0.2),
        (lambda x: sd.elu(x, alpha=0.5), 0.5),
    ],
    ids=["relu", "leaky_relu", "elu"],
)
@pytest.mark.parametrize("shape", [(), (1,)], ids=str)
def test_gradient_at_zero(fn, expected, shape):
    x = sd.tensor(np.zeros(shape), requires_grad=True)  # float64: the slopes are exact
    fn(x).backward(sd.ones_like(x))
    assert x.grad.dtype == np.float64
    assert np.all(x.grad.data == expected)


# ------------------------------------------------------------------ golden values
PHI_1 = 0.8413447460685429  # Φ(1), the standard normal CDF
PDF_1 = 0.24197072451914337  # φ(1) = exp(-1/2) / √(2π)


@pytest.mark.parametrize(
    ("fn", "x", "y", "dx"),
    [
        (sd.tanh, [0.0, 1.0], [0.0, math.tanh(1.0)], [1.0, 1 - math.tanh(1.0) ** 2]),
        (sd.sigmoid, [0.0, math.log(3.0)], [0.5, 0.75], [0.25, 0.1875]),
        (sd.relu, [-1.0, 2.0], [0.0, 2.0], [0.0, 1.0]),
        (sd.leaky_relu, [-2.0, 3.0], [-0.02, 3.0], [0.01, 1.0]),
        (sd.elu, [-1.0, 2.0], [math.exp(-1) - 1, 2.0], [math.exp(-1), 1.0]),
        (
            sd.gelu,
            [0.0, 1.0, -1.0],
            [0.0, PHI_1, PHI_1 - 1],
            [0.5, PHI_1 + PDF_1, 1 - PHI_1 - PDF_1],
        ),
        (
            sd.softplus,
            [0.0, math.log(3.0), 30.0],
            [math.log(2), math.log(4), 30.0],
            [0.5, 0.75, 1.0],
        ),
    ],
    ids=["tanh", "sigmoid", "relu", "leaky_relu", "elu", "gelu", "softplus"],
)
def test_golden_values(fn, x, y, dx):
    t = sd.tensor(np.array(x), requires_grad=True)
    out = fn(t)
    out.backward(sd.ones_like(out))
    np.testing.assert_allclose(out.data, y, rtol=1e-14, atol=1e-16)
    np.testing.assert_allclose(t.grad.data, dx, rtol=1e-14, atol=1e-16)


def test_second_derivatives_golden():
    # tanh'' = -2 y (1 - y²), sigmoid'' = y (1 - y)(1 - 2y), gelu'' = φ(x)(2 - x²),
    # elu''(x < 0) = alpha e^x, softplus'' = σ(x)(1 - σ(x)).
    s = 1 / (1 + math.exp(-0.5))
    cases = [
        (sd.tanh, 0.5, -2 * math.tanh(0.5) * (1 - math.tanh(0.5) ** 2)),
        (sd.sigmoid, 0.5, s * (1 - s) * (1 - 2 * s)),
        (sd.gelu, 1.0, PDF_1),
        (lambda t: sd.elu(t, alpha=2.0), -1.0, 2 * math.exp(-1.0)),
        (sd.softplus, 0.5, s * (1 - s)),
        (sd.relu, 0.5, 0.0),
    ]
    for fn, value, expected in cases:
        x = sd.tensor(value, dtype="float64", requires_grad=True)
        (dx,) = sd.autograd.grad([fn(x)], [x], create_graph=True)
        if not dx.requires_grad:  # piecewise linear: the gradient does not depend on x
            assert expected == 0.0
            continue
        (d2x,) = sd.autograd.grad([dx], [x])
        assert d2x.item() == pytest.approx(expected, rel=1e-13), fn


# ------------------------------------------------------------------ numerical stability
def test_sigmoid_is_stable_for_large_inputs():
    for dtype in ("float32", "float64"):
        x = sd.tensor([-1000.0, -50.0, 0.0, 50.0, 1000.0], dtype=dtype, requires_grad=True)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            y = sd.sigmoid(x)
            y.backward(sd.ones_like(y))
        assert np.all(np.isfinite(y.data)) and np.all(np.isfinite(x.grad.data))
        np.testing.assert_array_equal(y.data[[0, 2, 3, 4]], [0.0, 0.5, 1.0, 1.0])
        np.testing.assert_array_equal(x.grad.data[[0, 4]], [0.0, 0.0])
    # The left tail keeps its relative precision (0.5 * (1 + tanh(x/2)) would give 0 here).
    x = np.array([-50.0, -30.0])
    y = sd.sigmoid(sd.tensor(x))
    np.testing.assert_allclose(y.data, np.exp(x) / (1 + np.exp(x)), rtol=1e-15)


def test_softplus_is_stable_for_large_inputs():
    x = sd.tensor([-1000.0, -30.0, 0.0, 30.0, 1000.0], dtype="float64", requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = sd.softplus(x)
        y.backward(sd.ones_like(y))
        # A threshold above every input: the log1p form is used everywhere, still no overflow.
        big = sd.softplus(sd.tensor([1000.0, 100.0], dtype="float32"), threshold=1e6)
    expected = [0.0, math.log1p(math.exp(-30)), math.log(2), 30.0, 1000.0]
    np.testing.assert_allclose(y.data, expected, rtol=1e-14)
    np.testing.assert_allclose(x.grad.data, [0.0, math.exp(-30), 0.5, 1.0, 1.0], rtol=1e-12)
    np.testing.assert_array_equal(big.data, [1000.0, 100.0])
    assert big.dtype == np.float32


def test_tanh_elu_gelu_saturate_quietly():
    x = sd.tensor([-1000.0, 1000.0], dtype="float32")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        np.testing.assert_array_equal(sd.tanh(x).data, [-1.0, 1.0])
        np.testing.assert_array_equal(sd.elu(x).data, [-1.0, 1000.0])
        np.testing.assert_array_equal(sd.gelu(x).data, [0.0, 1000.0])
        np.testing.assert_array_equal(sd.gelu(x, approximate="tanh").data, [0.0, 1000.0])


def test_nan_and_infinities_propagate():
    x = sd.tensor([np.nan, -np.inf, np.inf], dtype="float64")
    np.testing.assert_array_equal(sd.relu(x).data, [np.nan, 0.0, np.inf])
    np.testing.assert_array_equal(sd.sigmoid(x).data, [np.nan, 0.0, 1.0])
    with np.errstate(invalid="ignore"):  # gelu(-inf) = -inf * Φ(-inf) = -inf * 0, as in PyTorch
        np.testing.assert_array_equal(sd.gelu(x).data, [np.nan, np.nan, np.inf])
    np.testing.assert_array_equal(sd.elu(x).data, [np.nan, -1.0, np.inf])
    np.testing.assert_array_equal(sd.softplus(x).data, [np.nan, 0.0, np.inf])


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        (sd.relu, [0.0, 1.0]),
        (sd.leaky_relu, [0.01, 1.0]),
        (sd.elu, [0.0, 1.0]),
        (sd.sigmoid, [0.0, 0.0]),
        (sd.tanh, [0.0, 0.0]),
        (sd.softplus, [0.0, 1.0]),
    ],
    ids=["relu", "leaky_relu", "elu", "sigmoid", "tanh", "softplus"],
)
def test_gradients_at_infinities_are_finite(fn, expected):
    x = sd.tensor([-np.inf, np.inf], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fn(x).backward(sd.ones_like(x))
    np.testing.assert_array_equal(x.grad.data, np.array(expected, dtype=np.float32))


# ------------------------------------------------------------------ dtypes and arguments
def test_float32_stays_float32_and_integers_become_float():
    x = sd.tensor(np.array([-1.0, 2.0], dtype=np.float32))
    for fn in ACTIVATIONS.values():
        assert fn(x).dtype == np.float32
    ints = sd.tensor(np.array([-1, 2]))
    assert sd.relu(ints).dtype == ints.dtype  # relu keeps integers, as in PyTorch
    np.testing.assert_array_equal(sd.relu(ints).data, [0, 2])
    assert sd.sigmoid(ints).dtype == np.float32
    assert sd.gelu(ints).dtype == np.float32


def test_tensor_methods():
    x = sd.tensor([-1.0, 0.5])
    np.testing.assert_allclose(x.tanh().data, np.tanh(x.data))
    np.testing.assert_allclose(x.sigmoid().data, 1 / (1 + np.exp(-x.data)))
    np.testing.assert_array_equal(x.relu().data, [0.0, 0.5])


def test_argument_errors():
    x = sd.tensor([1.0])
    with pytest.raises(ValueError, match="approximate must be 'none'"):
        sd.gelu(x, approximate="erf")
    with pytest.raises(ValueError, match="beta must be nonzero"):
        sd.softplus(x, beta=0)
    with pytest.raises(TypeError, match="negative_slope must be a real number"):
        sd.leaky_relu(x, negative_slope=None)
    with pytest.raises(TypeError, match="alpha must be a real number"):
        sd.elu(x, alpha="1")


def test_no_graph_without_grad():
    x = sd.tensor([1.0, -2.0])
    for fn in ACTIVATIONS.values():
        y = fn(x)
        assert y.grad_fn is None and not y.requires_grad


# ------------------------------------------------------------------ PyTorch oracle
@pytest.mark.oracle
@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matches_torch(rng, name, dtype):
    x = _input(rng, (6, 9), scale=3.0)
    compare_with_torch(ACTIVATIONS[name], _torch_functions()[name], x, dtype=dtype)


@pytest.mark.oracle
@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matches_torch_on_wide_range_and_kinks(name, dtype):
    # Tails, zeros (the kinks, where the conventions must agree) and softplus's threshold.
    x = np.array([-40.0, -12.0, -7.0, -3.0, -1.0, -0.3, 0.0, 0.3, 1.0, 3.0, 7.0, 12.0, 25.0, 40.0])
    compare_with_torch(ACTIVATIONS[name], _torch_functions()[name], x, dtype=dtype)


@pytest.mark.oracle
@pytest.mark.parametrize("beta", [0.5, 3.0])
@pytest.mark.parametrize("threshold", [5.0, 20.0])
def test_softplus_options_match_torch(rng, beta, threshold):
    import torch.nn.functional as F

    x = 10 * np.asarray(rng.standard_normal((5, 8)))
    x = np.where(np.abs(beta * x - threshold) < 0.05, x + 0.1, x)
    compare_with_torch(
        lambda t: sd.softplus(t, beta=beta, threshold=threshold),
        lambda t: F.softplus(t, beta=beta, threshold=threshold),
        x,
    )


@pytest.mark.oracle
@pytest.mark.parametrize("name", list(ACTIVATIONS))
@pytest.mark.parametrize("layout", ["strided", "transposed"])
def test_matches_torch_on_non_contiguous_input(rng, name, layout):
    compare_with_torch(
        ACTIVATIONS[name],
        _torch_functions()[name],
        _input(rng, (5, 6), scale=3.0),
        dtype=np.float32,
        layout=layout,
    )

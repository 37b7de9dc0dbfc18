"""Tests of ops/unary.py: exp log sqrt abs sin cos clip."""

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


def _away_from_zero(z: np.ndarray) -> np.ndarray:
    """Values with |x| >= 0.1, so the kinks of abs/clip stay far from the finite differences."""
    return np.sign(z) * (np.abs(z) + 0.1) + (z == 0) * 0.1


def _away_from(z: np.ndarray, points, margin: float = 0.05) -> np.ndarray:
    """Nudge every element at least ``margin`` away from each of ``points``."""
    z = z.copy()
    for p in points:
        close = np.abs(z - p) < margin
        z = np.where(close, p + np.where(z >= p, margin, -margin), z)
    return z


def _input(rng, name: str, shape) -> np.ndarray:
    z = np.asarray(rng.standard_normal(shape))
    if name in ("log", "sqrt"):
        return np.abs(z) + 0.5  # inside the domain, away from the pole/kink at 0
    if name == "abs":
        return _away_from_zero(z)
    if name == "clip":
        return _away_from(2 * z, (-0.5, 0.5))  # many elements on each side of both bounds
    return 2 * z


UNARY = {
    "exp": (sd.exp, "exp"),
    "log": (sd.log, "log"),
    "sqrt": (sd.sqrt, "sqrt"),
    "abs": (sd.abs, "abs"),
    "sin": (sd.sin, "sin"),
    "cos": (sd.cos, "cos"),
    "clip": (lambda x: sd.clip(x, -0.5, 0.5), None),
}


@pytest.mark.parametrize("name", list(UNARY))
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_gradients(rng, name, shape):
    check_gradients(UNARY[name][0], _input(rng, name, shape), double=True)


@pytest.mark.parametrize("name", list(UNARY))
def test_gradients_non_contiguous(rng, name):
    x = _input(rng, name, (4, 3)).T  # a transposed, non-contiguous view
    check_gradients(UNARY[name][0], x, double=True)


@pytest.mark.parametrize(
    "bounds", [(-0.5, None), (None, 0.5), (0.5, -0.5)], ids=["min", "max", "min>max"]
)
def test_clip_one_sided_gradients(rng, bounds):
    x = _input(rng, "clip", (3, 4))
    check_gradients(lambda t: sd.clip(t, *bounds), x, double=True)


# ------------------------------------------------------------------ conventions at kinks
def test_abs_gradient_at_zero_is_zero():
    x = sd.tensor([-2.0, 0.0, 3.0], requires_grad=True)
    sd.abs(x).backward(sd.tensor([1.0, 1.0, 1.0]))
    np.testing.assert_array_equal(x.grad.data, [-1.0, 0.0, 1.0])
    x = sd.tensor(0.0, dtype="float64", requires_grad=True)  # 0-d
    sd.abs(x).backward()
    assert x.grad.item() == 0.0 and x.grad.dtype == np.float64


def test_clip_gradient_passes_at_the_boundaries():
    x = sd.tensor([-2.0, -1.0, 0.0, 1.0, 2.0], requires_grad=True)
    y = sd.clip(x, -1.0, 1.0)
    y.backward(sd.tensor([1.0, 2.0, 3.0, 4.0, 5.0]))
    np.testing.assert_array_equal(y.data, [-1.0, -1.0, 0.0, 1.0, 1.0])
    np.testing.assert_array_equal(x.grad.data, [0.0, 2.0, 3.0, 4.0, 0.0])


def test_clip_with_min_above_max_gives_max_and_no_gradient():
    x = sd.tensor([-1.0, 0.0, 3.0], requires_grad=True)
    y = sd.clip(x, 2.0, 1.0)
    y.sum().backward()
    np.testing.assert_array_equal(y.data, [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0, 0.0])


# ------------------------------------------------------------------ golden values
def _value_and_grad(fn, values):
    x = sd.tensor(np.array(values, dtype=np.float64), requires_grad=True)
    y = fn(x)
    y.backward(sd.ones_like(y))
    return y.data, x.grad.data


@pytest.mark.parametrize(
    ("fn", "x", "y", "dx"),
    [
        (sd.exp, [0.0, 1.0], [1.0, math.e], [1.0, math.e]),
        (sd.log, [1.0, math.e], [0.0, 1.0], [1.0, 1 / math.e]),
        (sd.sqrt, [4.0, 0.25], [2.0, 0.5], [0.25, 1.0]),
        (sd.abs, [-3.0, 2.0], [3.0, 2.0], [-1.0, 1.0]),
        (sd.sin, [0.0, math.pi / 2], [0.0, 1.0], [1.0, 0.0]),
        (sd.cos, [0.0, math.pi / 2], [1.0, 0.0], [0.0, -1.0]),
        (lambda t: sd.clip(t, 0.0, 1.0), [-0.5, 0.5, 1.5], [0.0, 0.5, 1.0], [0.0, 1.0, 0.0]),
    ],
    ids=["exp", "log", "sqrt", "abs", "sin", "cos", "clip"],
)
def test_golden_values(fn, x, y, dx):
    got_y, got_dx = _value_and_grad(fn, x)
    np.testing.assert_allclose(got_y, y, rtol=1e-15, atol=1e-16)
    np.testing.assert_allclose(got_dx, dx, rtol=1e-15, atol=1e-16)


def test_second_derivatives_golden():
    # d²/dx² e^x = e^x, d²/dx² log x = -1/x², d²/dx² √x = -1/(4 x^1.5), sin'' = -sin, cos'' = -cos
    cases = [
        (sd.exp, 1.0, math.e),
        (sd.log, 2.0, -0.25),
        (sd.sqrt, 4.0, -1 / 32),
        (sd.sin, 1.0, -math.sin(1.0)),
        (sd.cos, 1.0, -math.cos(1.0)),
    ]
    for fn, value, expected in cases:
        x = sd.tensor(value, dtype="float64", requires_grad=True)
        (dx,) = sd.autograd.grad([fn(x)], [x], create_graph=True)
        (d2x,) = sd.autograd.grad([dx], [x])
        assert d2x.item() == pytest.approx(expected, rel=1e-14), fn


# ------------------------------------------------------------------ dtypes and arguments
def test_float32_stays_float32_and_integers_become_float():
    x = sd.tensor(np.array([1.0, 2.0], dtype=np.float32))
    for fn in (sd.exp, sd.log, sd.sqrt, sd.abs, sd.sin, sd.cos, lambda t: sd.clip(t, 0.0, 1.5)):
        assert fn(x).dtype == np.float32
    ints = sd.tensor(np.array([1, 4]))
    assert sd.sqrt(ints).dtype == np.float32
    np.testing.assert_array_equal(sd.sqrt(ints).data, [1.0, 2.0])
    assert sd.abs(sd.tensor(np.array([-3, 2]))).dtype == ints.dtype  # abs keeps integers
    assert sd.clip(ints, 2, 3).dtype == ints.dtype
    assert sd.clip(ints, 1.5, 3).dtype == np.float32
    # NumPy scalar bounds must not upcast a float32 tensor.
    assert sd.clip(x, np.float64(0.0), None).dtype == np.float32


def test_tensor_methods():
    x = sd.tensor([0.25, 4.0])
    np.testing.assert_allclose(x.sqrt().data, [0.5, 2.0])
    np.testing.assert_allclose(x.log().exp().data, x.data, rtol=1e-6)
    np.testing.assert_allclose(abs(-x).data, x.data)
    np.testing.assert_allclose(x.abs().data, x.data)
    np.testing.assert_allclose(x.sin().data, np.sin(x.data))
    np.testing.assert_allclose(x.cos().data, np.cos(x.data))
    np.testing.assert_array_equal(x.clip(max=1.0).data, [0.25, 1.0])


def test_clip_argument_errors():
    x = sd.tensor([1.0])
    with pytest.raises(ValueError, match="at least one of min and max"):
        sd.clip(x)
    with pytest.raises(TypeError, match="sd.maximum"):
        sd.clip(x, sd.tensor(0.0))
    with pytest.raises(TypeError, match="max must be a number"):
        sd.clip(x, None, "1")


def test_no_graph_without_grad():
    x = sd.tensor([1.0, -2.0])
    for fn in (sd.exp, sd.abs, lambda t: sd.clip(t, 0.0, 1.0)):
        y = fn(x)
        assert y.grad_fn is None and not y.requires_grad
    with sd.no_grad():
        assert sd.exp(sd.tensor([1.0], requires_grad=True)).grad_fn is None


def test_clip_keeps_nan_and_infinities():
    x = sd.tensor([np.nan, -np.inf, np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = sd.clip(x, -1.0, 1.0)
    np.testing.assert_array_equal(y.data, [np.nan, -1.0, 1.0])


# ------------------------------------------------------------------ PyTorch oracle
def _torch_fn(name):
    import torch

    if name == "clip":
        return lambda t: torch.clamp(t, -0.5, 0.5)
    return getattr(torch, UNARY[name][1])


@pytest.mark.oracle
@pytest.mark.parametrize("name", list(UNARY))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matches_torch(rng, name, dtype):
    x = _input(rng, name, (3, 7))
    compare_with_torch(UNARY[name][0], _torch_fn(name), x, dtype=dtype)


@pytest.mark.oracle
@pytest.mark.parametrize("bounds", [(-0.5, None), (None, 0.5)], ids=["min", "max"])
def test_clip_one_sided_matches_torch(rng, bounds):
    import torch

    x = _input(rng, "clip", (4, 5))
    compare_with_torch(lambda t: sd.clip(t, *bounds), lambda t: torch.clamp(t, *bounds), x)


@pytest.mark.oracle
def test_kink_conventions_match_torch():
    import torch

    x = np.array([-1.0, 0.0, 1.0])
    compare_with_torch(sd.abs, torch.abs, x)
    compare_with_torch(lambda t: sd.clip(t, -1.0, 1.0), lambda t: torch.clamp(t, -1.0, 1.0), x)
    compare_with_torch(lambda t: sd.clip(t, 1.0, -1.0), lambda t: torch.clamp(t, 1.0, -1.0), x)

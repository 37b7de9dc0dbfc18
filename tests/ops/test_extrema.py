"""Tests of ops/extrema.py: max min argmax argmin.

Their gradients, shapes, dtypes and axis errors are also checked beside the other reductions, in
the shared tables of test_reduce.py.
"""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl.errors import ShapeError
from tests._harness.oracle import compare_with_torch

EXTREMA = {"max": sd.max, "min": sd.min}


def _dims(shape, axis):
    if axis is None:
        return tuple(range(len(shape)))
    return axis


def _torch_extremum(name, dims, keepdims):
    import torch

    return {
        "max": lambda t: torch.amax(t, dim=dims, keepdim=keepdims),
        "min": lambda t: torch.amin(t, dim=dims, keepdim=keepdims),
    }[name]


# ---------------------------------------------------------------------------- PyTorch oracle
@pytest.mark.oracle
@pytest.mark.parametrize("name", ["max", "min"])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 1)])
def test_ties_split_like_torch_amax(rng, name, axis):
    x = rng.integers(0, 3, size=(4, 5)).astype(np.float64)  # many ties
    compare_with_torch(
        lambda t: EXTREMA[name](t, axis=axis),
        _torch_extremum(name, _dims(x.shape, axis), False),
        x,
    )


@pytest.mark.oracle
@pytest.mark.parametrize("name", ["argmax", "argmin"])
@pytest.mark.parametrize("axis", [None, 0, -1])
@pytest.mark.parametrize("keepdims", [False, True])
def test_arg_reductions_match_torch(rng, name, axis, keepdims):
    import torch

    x = rng.integers(0, 4, size=(3, 5)).astype(np.float32)  # ties: both pick the first index
    compare_with_torch(
        lambda t: getattr(sd, name)(t, axis=axis, keepdims=keepdims),
        lambda t: getattr(torch, name)(t, dim=axis, keepdim=keepdims),
        x,
        dtype=np.float32,
    )


# ---------------------------------------------------------------------------- golden values
def _grad(fn, x, g=None):
    x = sd.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    y = fn(x)
    y.backward(None if g is None else sd.tensor(np.asarray(g, dtype=np.float64)))
    return y.data, x.grad.data


def test_max_ties_split_the_gradient():
    y, dx = _grad(sd.max, [1.0, 3.0, 3.0])
    assert y == 3.0
    np.testing.assert_array_equal(dx, [0.0, 0.5, 0.5])
    y, dx = _grad(lambda x: x.max(axis=1), [[1.0, 5.0, 5.0], [7.0, 0.0, 2.0]], g=[2.0, 3.0])
    np.testing.assert_array_equal(y, [5.0, 7.0])
    np.testing.assert_array_equal(dx, [[0.0, 1.0, 1.0], [3.0, 0.0, 0.0]])


def test_min_ties_split_the_gradient():
    y, dx = _grad(sd.min, [2.0, 1.0, 1.0, 1.0], g=3.0)
    assert y == 1.0
    np.testing.assert_array_equal(dx, [0.0, 1.0, 1.0, 1.0])
    y, dx = _grad(lambda x: x.min(0, keepdims=True), [[4.0, -1.0], [2.0, -1.0]], g=[[1.0, 1.0]])
    np.testing.assert_array_equal(y, [[2.0, -1.0]])
    np.testing.assert_array_equal(dx, [[0.0, 0.5], [1.0, 0.5]])


def test_argmax_argmin_golden():
    x = sd.tensor([[1.0, 5.0, 5.0], [7.0, 0.0, 7.0]])
    assert sd.argmax(x).item() == 3  # flat index, first of the ties
    np.testing.assert_array_equal(x.argmax(axis=1).data, [1, 0])
    np.testing.assert_array_equal(x.argmin(axis=-1).data, [0, 1])
    kept = sd.argmax(x, axis=0, keepdims=True)
    assert kept.shape == (1, 3) and kept.dtype == np.int64
    assert sd.argmax(x, keepdims=True).shape == (1, 1)


def test_argmax_is_outside_the_graph():
    x = sd.tensor([1.0, 2.0], requires_grad=True)
    index = sd.argmax(x)
    assert not index.requires_grad and index.grad_fn is None and index.dtype == np.int64


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize("name", ["max", "min", "argmax", "argmin"])
def test_empty_reduction_raises(name):
    with pytest.raises(ShapeError, match=f"{name}: cannot reduce over axis 0, which has size 0"):
        getattr(sd, name)(sd.zeros((0, 3)), axis=0)
    with pytest.raises(ShapeError, match="empty"):
        getattr(sd, name)(sd.zeros((0, 3)))
    assert getattr(sd, name)(sd.zeros((0, 3)), axis=1).shape == (0,)

"""Tests of ops/cast.py."""

from __future__ import annotations

import numpy as np

import scratchdl as sd


def test_astype_gradient_returns_to_input_dtype():
    x = sd.tensor([1.5, -2.0], requires_grad=True)
    y = x.astype("float64")
    assert y.dtype == np.float64
    (y * y).sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, [3.0, -4.0])


def test_astype_same_dtype_is_identity_and_integer_cast_leaves_graph():
    x = sd.tensor([1.7, 2.2], requires_grad=True)
    assert x.astype("float32") is x
    as_int = x.astype("int64")
    assert as_int.dtype == np.int64 and not as_int.requires_grad
    np.testing.assert_array_equal(as_int.data, [1, 2])


def test_astype_double_backward():
    x = sd.tensor([0.5, -2.0], requires_grad=True)
    (dx,) = sd.autograd.grad((x.astype("float64") ** 3).sum(), x, create_graph=True)
    assert dx.dtype == np.float32
    np.testing.assert_allclose(dx.data, [0.75, 12.0])  # 3 x^2
    dx.sum().backward()
    np.testing.assert_allclose(x.grad.data, [3.0, -12.0])  # 6 x

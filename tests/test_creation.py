"""Tests of creation functions and seeding."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd


@pytest.mark.parametrize("make", [sd.zeros, sd.ones, sd.randn, sd.rand, sd.empty])
def test_shapes_both_spellings_and_default_dtype(make):
    assert make(2, 3).shape == (2, 3) and make((2, 3)).shape == (2, 3)
    assert make(2).dtype == np.float32


def test_values():
    np.testing.assert_array_equal(sd.full((2,), 7.0).data, [7.0, 7.0])
    np.testing.assert_array_equal(sd.eye(2).data, [[1.0, 0.0], [0.0, 1.0]])
    assert sd.arange(3).dtype == np.int64 and sd.arange(0.0, 1.0, 0.5).dtype == np.float32
    np.testing.assert_allclose(sd.linspace(0, 1, 3).data, [0.0, 0.5, 1.0])
    x = sd.tensor([[1.0, 2.0]], dtype="float64")
    for like in (sd.zeros_like, sd.ones_like, sd.randn_like, sd.rand_like):
        assert like(x).shape == (1, 2) and like(x).dtype == np.float64
    assert sd.full_like(x, 3.0).data.tolist() == [[3.0, 3.0]]
    assert sd.zeros(2, requires_grad=True).requires_grad


def test_manual_seed_makes_random_draws_reproducible():
    sd.manual_seed(42)
    first = sd.randn(5).data.copy(), sd.rand(3).data.copy(), sd.randint(0, 10, 4).data.copy()
    sd.manual_seed(42)
    second = sd.randn(5).data, sd.rand(3).data, sd.randint(0, 10, 4).data
    for a, b in zip(first, second):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="non-negative integer"):
        sd.manual_seed(-1)


def test_explicit_generator():
    a = sd.randn(3, generator=np.random.default_rng(1)).data
    b = sd.randn(3, generator=np.random.default_rng(1)).data
    np.testing.assert_array_equal(a, b)


def test_shape_validation_and_arange_step():
    with pytest.raises(ValueError, match=r"non-negative integers.*\(2.7,\)"):
        sd.zeros(2.7)
    np.testing.assert_array_equal(sd.arange(5, step=2).data, [0, 2, 4])

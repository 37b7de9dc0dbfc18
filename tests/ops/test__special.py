"""Tests of ops/_special.py: erf against math.erf in float64 and float32, special values, shapes."""

from __future__ import annotations

import math

import numpy as np

from scratchdl.ops._special import _erf


def test_erf_float64_matches_math_erf_to_1e15():
    x = np.concatenate(
        [
            np.linspace(-7.0, 7.0, 140_001),  # every interval, both signs, its boundaries
            [0.0, 0.46875, -0.46875, 4.0, -4.0, 6.0, 30.0, 1e300],
            np.geomspace(1e-300, 1e-2, 500),  # tiny arguments: erf(x) ≈ 2x/√π
            -np.geomspace(1e-300, 1e-2, 500),
        ]
    )
    expected = np.array([math.erf(v) for v in x])
    got = _erf(x)
    assert got.dtype == np.float64 and got.shape == x.shape
    np.testing.assert_allclose(got, expected, rtol=1e-15, atol=0)


def test_erf_float32_matches_math_erf_to_float32_rounding():
    x = np.linspace(-8.0, 8.0, 100_001, dtype=np.float32)
    x = np.concatenate([x, np.geomspace(1e-30, 1e-2, 200, dtype=np.float32)])
    expected = np.array([math.erf(float(v)) for v in x])
    got = _erf(x)
    assert got.dtype == np.float32 and got.shape == x.shape
    error = np.abs(got.astype(np.float64) - expected)
    assert error.max() < 5e-7  # a few float32 ulp of values up to 1
    assert np.all(error <= 1e-6 * np.abs(expected))  # also relative: fine near 0
    assert np.abs(got).max() <= 1.0


def test_erf_special_values_and_shapes():
    for dtype in (np.float64, np.float32):
        x = np.array([np.nan, -np.inf, np.inf, 0.0, -0.0], dtype=dtype)
        got = _erf(x)
        np.testing.assert_array_equal(got, [np.nan, -1.0, 1.0, 0.0, -0.0])
        assert np.signbit(got[4])
        assert _erf(np.array(0.5, dtype=dtype)).shape == ()
        assert _erf(np.ones((2, 0, 3), dtype=dtype)).shape == (2, 0, 3)
    x = np.linspace(-3, 3, 12).reshape(3, 4).T  # non-contiguous
    np.testing.assert_array_equal(_erf(x), _erf(np.ascontiguousarray(x)))

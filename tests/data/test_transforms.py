"""Standardizer and standardize: the per-feature math, types, saved state and bad input."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl.data import Standardizer, standardize
from scratchdl.errors import ShapeError


def test_fit_computes_population_mean_and_std_per_feature(rng):
    x = rng.normal(loc=[3.0, -1.0, 10.0], scale=[2.0, 0.5, 4.0], size=(200, 3))
    scaler = Standardizer().fit(x)
    np.testing.assert_allclose(scaler.mean, x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(scaler.std, x.std(axis=0, ddof=0), rtol=1e-12)
    z = scaler.transform(x)
    np.testing.assert_allclose(z.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(z.std(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_allclose(scaler.inverse_transform(z), x, rtol=1e-12)


def test_golden_values():
    x = np.array([[1.0, 0.0], [3.0, 4.0], [5.0, 8.0]])
    scaler = Standardizer().fit(x)
    np.testing.assert_allclose(scaler.mean, [3.0, 4.0])
    np.testing.assert_allclose(scaler.std, [np.sqrt(8 / 3), np.sqrt(32 / 3)])
    expected = np.sqrt(3 / 2) * np.array([[-1.0, -1.0], [0.0, 0.0], [1.0, 1.0]])
    np.testing.assert_allclose(scaler.transform(x), expected)


def test_test_set_uses_the_training_statistics():
    scaler = Standardizer().fit(np.array([[0.0], [2.0]]))  # mean 1, std 1
    np.testing.assert_array_equal(scaler.transform(np.array([[5.0], [1.0]])), [[4.0], [0.0]])


def test_constant_feature_is_centred_but_not_scaled():
    x = np.array([[1.0, 7.0], [3.0, 7.0], [5.0, 7.0]])
    scaler = Standardizer().fit(x)
    assert scaler.std[1] == 0 and scaler.scale[1] == 1
    z = scaler.transform(x + np.array([0.0, 2.0]))
    assert np.all(np.isfinite(z))
    np.testing.assert_array_equal(z[:, 1], [2.0, 2.0, 2.0])


def test_types_and_dtypes_are_kept(rng):
    x32 = rng.standard_normal((20, 4)).astype(np.float32)
    z = Standardizer().fit_transform(x32)
    assert isinstance(z, np.ndarray) and z.dtype == np.float32
    t = Standardizer().fit_transform(sd.tensor(x32))
    assert isinstance(t, sd.Tensor) and t.dtype == np.float32
    np.testing.assert_allclose(t.data, z, rtol=1e-6)
    ints = Standardizer().fit_transform(np.array([[1], [2], [3]]))
    assert ints.dtype == np.float32


def test_image_batches_get_one_statistic_per_position(rng):
    images = rng.random((10, 3, 4, 4))
    scaler = Standardizer().fit(images)
    assert scaler.mean.shape == (3, 4, 4)
    np.testing.assert_allclose(scaler.transform(images).mean(axis=0), 0.0, atol=1e-12)


def test_state_dict_round_trip(rng):
    x = rng.standard_normal((30, 2))
    fitted = Standardizer().fit(x)
    restored = Standardizer()
    restored.load_state_dict(fitted.state_dict())
    np.testing.assert_array_equal(restored.transform(x), fitted.transform(x))
    empty = Standardizer()
    empty.load_state_dict(Standardizer().state_dict())
    assert empty.mean is None


def test_standardize_convenience(rng):
    x = rng.normal(5.0, 3.0, size=(50, 2))
    np.testing.assert_allclose(standardize(x), (x - x.mean(0)) / x.std(0))


def test_repr():
    assert repr(Standardizer()) == "Standardizer(not fitted)"
    assert repr(Standardizer().fit(np.zeros((2, 3)))) == "Standardizer(3 features)"


def test_errors_say_what_to_do():
    with pytest.raises(RuntimeError, match=r"call fit\(x_train\) first"):
        Standardizer().transform(np.zeros((2, 2)))
    scaler = Standardizer().fit(np.zeros((4, 3)))
    with pytest.raises(ShapeError, match=r"fitted on samples of shape \(3,\).*shape \(4, 2\)"):
        scaler.transform(np.zeros((4, 2)))
    with pytest.raises(ShapeError, match=r"inverse_transform.*\(5,\)"):
        scaler.inverse_transform(np.zeros(5))
    with pytest.raises(ValueError, match=r"empty training set \(shape \(0, 3\)\)"):
        Standardizer().fit(np.zeros((0, 3)))
    with pytest.raises(ShapeError, match="0-d"):
        Standardizer().fit(np.float64(1.0))
    with pytest.raises(TypeError, match="expected numbers"):
        Standardizer().fit(np.array([["a"], ["b"]]))

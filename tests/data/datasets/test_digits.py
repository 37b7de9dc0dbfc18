"""scikit-learn's bundled digits: shapes, dtypes, scaling and the stratified split."""

from __future__ import annotations

import builtins

import numpy as np
import pytest

from scratchdl.data import TensorDataset
from scratchdl.data.datasets import load_digits

pytest.importorskip("sklearn")


def test_shapes_dtypes_and_scaling():
    ds = load_digits("all")
    x, y = ds.arrays
    assert isinstance(ds, TensorDataset)
    assert x.shape == (1797, 64) and x.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert x.min() == 0 and x.max() == 1
    raw, _ = load_digits("all", normalize=False, flatten=False).arrays
    assert raw.shape == (1797, 1, 8, 8) and raw.max() == 16
    np.testing.assert_array_equal(raw.reshape(1797, 64) / 16, x)


def test_split_is_disjoint_stratified_and_deterministic():
    x_all, y_all = load_digits("all").arrays
    train = load_digits("train", test_fraction=0.25, seed=3)
    test = load_digits("test", test_fraction=0.25, seed=3)
    assert len(train) + len(test) == 1797
    # Every sample lands in exactly one part.
    rows = {r.tobytes() for r in train.arrays[0]} | {r.tobytes() for r in test.arrays[0]}
    assert len(rows) == len({r.tobytes() for r in x_all})
    # Each class keeps about its share in the test set.
    counts_all = np.bincount(y_all, minlength=10)
    counts_test = np.bincount(test.arrays[1], minlength=10)
    assert np.all(np.abs(counts_test - 0.25 * counts_all) <= 0.5)
    again = load_digits("test", test_fraction=0.25, seed=3)
    np.testing.assert_array_equal(again.arrays[0], test.arrays[0])
    other = load_digits("test", test_fraction=0.25, seed=4)
    assert not np.array_equal(other.arrays[0], test.arrays[0])


@pytest.mark.parametrize(
    "kwargs, match",
    [({"split": "val"}, "split must be"), ({"test_fraction": 1.0}, "test_fraction")],
)
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        load_digits(**kwargs)


def test_missing_scikit_learn_names_the_extra(monkeypatch):
    real_import = builtins.__import__

    def no_sklearn(name, *args, **kwargs):
        if name.startswith("sklearn"):
            raise ImportError("No module named 'sklearn'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_sklearn)
    with pytest.raises(ImportError, match=r"scratchdl\[data\]"):
        load_digits()

"""tests for scratchdl.manual.minibatches.random_mini_batches."""

from __future__ import annotations

import numpy as np
import pytest

from scratchdl.manual import random_mini_batches


@pytest.mark.parametrize(("m", "size", "sizes"), [(10, 4, [4, 4, 2]), (8, 4, [4, 4]), (3, 64, [3])])
def test_every_column_once_and_last_batch_kept(m, size, sizes):
    X = np.arange(2 * m, dtype=np.float64).reshape(2, m)
    Y = np.arange(m, dtype=np.float64).reshape(1, m)
    batches = random_mini_batches(X, Y, size, seed=0)
    assert [bx.shape for bx, _ in batches] == [(2, s) for s in sizes]
    assert [by.shape for _, by in batches] == [(1, s) for s in sizes]
    seen = np.concatenate([by[0] for _, by in batches])
    assert sorted(seen) == list(range(m))  # each example exactly once
    for bx, by in batches:  # each example keeps its label
        np.testing.assert_array_equal(bx[0], by[0])
        np.testing.assert_array_equal(bx[1], m + by[0])


def test_shuffles_and_is_reproducible():
    X, Y = np.arange(100.0).reshape(1, 100), np.arange(100.0).reshape(1, 100)
    a = random_mini_batches(X, Y, 100, seed=1)[0][1]
    b = random_mini_batches(X, Y, 100, seed=1)[0][1]
    c = random_mini_batches(X, Y, 100, seed=2)[0][1]
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert not np.array_equal(a[0], np.arange(100.0))


def test_errors():
    with pytest.raises(ValueError, match="same number m of columns"):
        random_mini_batches(np.ones((2, 5)), np.ones((1, 4)))
    with pytest.raises(ValueError, match="mini_batch_size=0"):
        random_mini_batches(np.ones((2, 5)), np.ones((1, 5)), 0)

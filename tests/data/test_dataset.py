"""Dataset, TensorDataset, Subset and random_split: lengths, indexing, splits and bad input."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl.data import Dataset, Subset, TensorDataset, random_split
from scratchdl.errors import ShapeError


def _xy(n=6):
    x = np.arange(2 * n, dtype=np.float32).reshape(n, 2)
    y = np.arange(n, dtype=np.int64)
    return x, y


# ----------------------------------------------------------------------------- Dataset
def test_dataset_base_class_says_what_to_define():
    with pytest.raises(NotImplementedError, match="__getitem__"):
        Dataset()[0]
    with pytest.raises(NotImplementedError, match="__len__"):
        len(Dataset())


# ----------------------------------------------------------------------------- TensorDataset
def test_tensor_dataset_length_and_int_index():
    x, y = _xy()
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    sample = ds[2]
    assert isinstance(sample, tuple) and len(sample) == 2
    np.testing.assert_array_equal(sample[0], [4.0, 5.0])
    assert sample[1] == 2


def test_tensor_dataset_index_array_returns_a_batch_per_array():
    x, y = _xy()
    xb, yb = TensorDataset(x, y)[np.array([5, 0, 3])]
    np.testing.assert_array_equal(xb, x[[5, 0, 3]])
    np.testing.assert_array_equal(yb, [5, 0, 3])


def test_tensor_dataset_keeps_the_arrays_without_copying():
    x, y = _xy()
    t = sd.tensor(x)
    ds = TensorDataset(t, y)
    assert ds.arrays[0] is t.data
    assert ds.arrays[1] is y
    assert ds.arrays[0].dtype == np.float32 and ds.arrays[1].dtype == np.int64


def test_tensor_dataset_converts_lists_like_sd_tensor():
    ds = TensorDataset([[0.5, 1.5], [2.5, 3.5]], [0, 1])
    assert ds.arrays[0].dtype == np.float32
    assert ds.arrays[1].dtype == np.int64


def test_tensor_dataset_single_array_gives_one_tuples():
    ds = TensorDataset(np.arange(3))
    assert ds[1] == (1,)


def test_tensor_dataset_length_mismatch_names_the_lengths():
    with pytest.raises(ShapeError, match=r"lengths \[5, 4\].*\(5, 2\), \(4,\)"):
        TensorDataset(np.zeros((5, 2)), np.zeros(4))


def test_tensor_dataset_rejects_no_arrays_and_0d_arrays():
    with pytest.raises(ValueError, match="at least one array"):
        TensorDataset()
    with pytest.raises(ShapeError, match="array 1 is 0-d"):
        TensorDataset(np.zeros(3), np.float32(1.0))


def test_tensor_dataset_repr_shows_dtypes_and_shapes():
    x, y = _xy()
    assert repr(TensorDataset(x, y)) == "TensorDataset(float32[6, 2], int64[6])"


# ----------------------------------------------------------------------------- Subset
def test_subset_maps_indices_in_order():
    x, y = _xy()
    part = Subset(TensorDataset(x, y), [4, 1])
    assert len(part) == 2
    assert part[0][1] == 4 and part[1][1] == 1
    np.testing.assert_array_equal(part[np.array([1, 0])][1], [1, 4])


def test_subset_of_a_subset():
    ds = TensorDataset(np.arange(10))
    inner = Subset(Subset(ds, [9, 8, 7, 6]), [3, 0])
    assert [inner[i][0] for i in range(2)] == [6, 9]


def test_subset_rejects_out_of_range_and_non_integer_indices():
    ds = TensorDataset(np.arange(5))
    with pytest.raises(IndexError, match=r"index 5 is out of range.*5 samples"):
        Subset(ds, [0, 5])
    with pytest.raises(IndexError, match="index -1"):
        Subset(ds, [-1])
    with pytest.raises(ValueError, match="integer indices"):
        Subset(ds, [0.5, 1.0])
    assert len(Subset(ds, [])) == 0


# ----------------------------------------------------------------------------- random_split
def _all_indices(parts):
    return np.concatenate([p.indices for p in parts])


def test_random_split_with_counts_is_disjoint_and_complete():
    ds = TensorDataset(np.arange(20))
    parts = random_split(ds, [12, 5, 3], generator=np.random.default_rng(0))
    assert [len(p) for p in parts] == [12, 5, 3]
    assert sorted(_all_indices(parts).tolist()) == list(range(20))


@pytest.mark.parametrize(
    ("n", "fractions", "expected"),
    [
        (10, [0.8, 0.2], [8, 2]),
        (10, [0.33, 0.33, 0.34], [4, 3, 3]),
        (11, [0.5, 0.5], [6, 5]),
        (7, [0.25, 0.25, 0.25, 0.25], [2, 2, 2, 1]),
    ],
)
def test_random_split_fractions_follow_pytorch_rounding(n, fractions, expected):
    parts = random_split(TensorDataset(np.arange(n)), fractions, generator=np.random.default_rng(1))
    assert [len(p) for p in parts] == expected
    assert sorted(_all_indices(parts).tolist()) == list(range(n))


@pytest.mark.oracle
@pytest.mark.parametrize("fractions", [[0.8, 0.2], [0.33, 0.33, 0.34], [0.1, 0.3, 0.6], [0.5, 0.5]])
@pytest.mark.parametrize("n", [7, 10, 101])
def test_random_split_lengths_match_torch(n, fractions):
    import torch
    from torch.utils.data import random_split as torch_random_split

    expected = [len(p) for p in torch_random_split(torch.arange(n), fractions)]
    ours = [len(p) for p in random_split(TensorDataset(np.arange(n)), fractions)]
    assert ours == expected


def test_random_split_is_reproducible_with_a_generator_and_with_manual_seed():
    ds = TensorDataset(np.arange(50))
    a = random_split(ds, [30, 20], generator=np.random.default_rng(7))
    b = random_split(ds, [30, 20], generator=np.random.default_rng(7))
    np.testing.assert_array_equal(a[0].indices, b[0].indices)
    sd.manual_seed(3)
    c = random_split(ds, [0.6, 0.4])
    sd.manual_seed(3)
    d = random_split(ds, [0.6, 0.4])
    np.testing.assert_array_equal(c[1].indices, d[1].indices)
    assert not np.array_equal(a[0].indices, np.arange(30))  # actually shuffled


def test_random_split_bad_lengths_say_what_was_received():
    ds = TensorDataset(np.arange(10))
    with pytest.raises(ValueError, match=r"sum to the dataset's length 10.*\[6, 3\] \(sum 9\)"):
        random_split(ds, [6, 3])
    with pytest.raises(ValueError, match="non-negative"):
        random_split(ds, [12, -2])
    with pytest.raises(ValueError, match=r"sum to 1.*\(sum 0.9"):
        random_split(ds, [0.5, 0.4])
    with pytest.raises(ValueError, match=r"each lie in \[0, 1\]"):
        random_split(ds, [1.5, -0.5])
    with pytest.raises(TypeError, match="ints or fractions"):
        random_split(ds, ["5", 5])
    with pytest.raises(ValueError, match="at least one length"):
        random_split(ds, [])


def test_random_split_warns_about_an_empty_fraction():
    with pytest.warns(UserWarning, match="subset 1 has length 0"):
        parts = random_split(TensorDataset(np.arange(3)), [0.99, 0.01])
    assert [len(p) for p in parts] == [3, 0]

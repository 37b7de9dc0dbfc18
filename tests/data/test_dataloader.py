"""DataLoader: batching, shuffling, reproducibility, saved state, collate, dtypes, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest

import scratchdl as sd
from scratchdl import backend
from scratchdl.data import DataLoader, Dataset, Subset, TensorDataset, default_collate


def _dataset(n=10):
    x = np.arange(2 * n, dtype=np.float32).reshape(n, 2)
    y = np.arange(n, dtype=np.int64)
    return TensorDataset(x, y)


def _epoch_labels(loader) -> list[int]:
    return [int(v) for _, y in loader for v in y.data]


class Records(Dataset):
    """A dataset that is not array-backed: samples built one by one in Python."""

    def __init__(self, n):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.full(3, i, dtype=np.float32), i


# ----------------------------------------------------------------------------- batching
@pytest.mark.parametrize(
    ("n", "batch_size", "drop_last", "sizes"),
    [
        (10, 3, False, [3, 3, 3, 1]),
        (10, 3, True, [3, 3, 3]),
        (10, 5, False, [5, 5]),
        (10, 5, True, [5, 5]),
        (10, 32, False, [10]),
        (10, 32, True, []),
        (1, 1, False, [1]),
        (0, 4, False, []),
    ],
)
def test_number_and_sizes_of_batches(n, batch_size, drop_last, sizes):
    loader = DataLoader(_dataset(n), batch_size=batch_size, drop_last=drop_last)
    assert len(loader) == len(sizes)
    batches = list(loader)
    assert [len(x) for x, _ in batches] == sizes
    assert all(x.shape[1:] == (2,) for x, _ in batches)


def test_without_shuffle_batches_follow_the_dataset_order():
    ds = _dataset()
    batches = list(DataLoader(ds, batch_size=4))
    assert isinstance(batches[0], tuple) and len(batches[0]) == 2
    assert all(isinstance(t, sd.Tensor) for batch in batches for t in batch)
    np.testing.assert_array_equal(np.concatenate([x.data for x, _ in batches]), ds.arrays[0])
    assert _epoch_labels(DataLoader(ds, batch_size=4)) == list(range(10))


def test_default_batch_size_is_one():
    loader = DataLoader(_dataset(3))
    assert len(loader) == 3
    assert [tuple(x.shape) for x, _ in loader] == [(1, 2)] * 3


def test_batches_are_copies_not_views_of_the_dataset():
    ds = _dataset()
    x, _ = next(iter(DataLoader(ds, batch_size=4)))
    x.data[...] = -1
    assert ds.arrays[0].min() >= 0


def test_dtypes_are_kept_float64_included():
    ds = TensorDataset(
        np.zeros((4, 2), np.float32), np.zeros((4, 1), np.float64), np.arange(4, dtype=np.int64)
    )
    a, b, c = next(iter(DataLoader(ds, batch_size=4)))
    assert (a.dtype, b.dtype, c.dtype) == (np.float32, np.float64, np.int64)
    assert not any(t.requires_grad for t in (a, b, c))


def test_array_backed_datasets_are_batched_by_fancy_indexing(monkeypatch):
    def per_sample_access(self, index):
        raise AssertionError("the loader read the TensorDataset sample by sample")

    monkeypatch.setattr(TensorDataset, "__getitem__", per_sample_access)
    ds = _dataset()
    assert _epoch_labels(DataLoader(ds, batch_size=4)) == list(range(10))
    part = Subset(Subset(ds, [9, 7, 5, 3, 1]), [4, 0, 2])  # Subsets keep the fast path
    x, y = next(iter(DataLoader(part, batch_size=3)))
    assert y.tolist() == [1, 9, 5]
    np.testing.assert_array_equal(x.data, [[2, 3], [18, 19], [10, 11]])


def test_subclasses_keep_the_fast_path_unless_they_change_indexing():
    class Images(TensorDataset):  # like CIFAR10: a TensorDataset with extra attributes
        pass

    class Doubled(TensorDataset):
        def __getitem__(self, index):
            x, y = super().__getitem__(index)
            return x * 2, y

    x = np.arange(8, dtype=np.float32).reshape(4, 2)
    y = np.arange(4)
    first = next(iter(DataLoader(Images(x, y), batch_size=4)))
    np.testing.assert_array_equal(first[0].data, x)
    doubled = next(iter(DataLoader(Doubled(x, y), batch_size=4)))
    np.testing.assert_array_equal(doubled[0].data, 2 * x)


def test_datasets_that_index_whole_batches_get_one_call_per_batch():
    class Batched:
        supports_batch_indexing = True

        def __init__(self):
            self.calls = []

        def __len__(self):
            return 5

        def __getitem__(self, index):
            self.calls.append(np.asarray(index).tolist())
            index = np.asarray(index)
            return index.astype(np.float32) * 10, index

    data = Batched()
    batches = list(DataLoader(data, batch_size=2))
    assert data.calls == [[0, 1], [2, 3], [4]]
    assert [b[1].tolist() for b in batches] == [[0, 1], [2, 3], [4]]
    assert batches[0][0].dtype == np.float32 and batches[0][0].tolist() == [0.0, 10.0]


def test_shuffled_subset_visits_exactly_its_samples():
    part = Subset(_dataset(20), [3, 5, 7, 11, 13])
    loader = DataLoader(part, batch_size=2, shuffle=True, generator=1)
    assert sorted(_epoch_labels(loader)) == [3, 5, 7, 11, 13]


# ----------------------------------------------------------------------------- shuffling
def test_shuffle_visits_every_sample_once_in_a_new_order_each_epoch():
    loader = DataLoader(
        _dataset(50), batch_size=8, shuffle=True, generator=np.random.default_rng(0)
    )
    first, second = _epoch_labels(loader), _epoch_labels(loader)
    assert sorted(first) == sorted(second) == list(range(50))
    assert first != list(range(50)) and first != second


def test_shuffle_is_reproducible_with_a_seeded_generator():
    orders = []
    for _ in range(2):
        loader = DataLoader(
            _dataset(30), batch_size=4, shuffle=True, generator=np.random.default_rng(5)
        )
        orders.append([_epoch_labels(loader) for _ in range(3)])
    assert orders[0] == orders[1]
    by_int = DataLoader(_dataset(30), batch_size=4, shuffle=True, generator=5)
    assert _epoch_labels(by_int) == orders[0][0]


def test_shuffle_is_reproducible_through_manual_seed():
    orders = []
    for seed in (11, 11, 12):
        sd.manual_seed(seed)
        loader = DataLoader(_dataset(30), batch_size=4, shuffle=True)
        orders.append(_epoch_labels(loader) + _epoch_labels(loader))
    assert orders[0] == orders[1]
    assert orders[0] != orders[2]


def test_passed_generator_is_used_not_copied():
    rng = np.random.default_rng(0)
    loader = DataLoader(_dataset(), shuffle=True, generator=rng)
    assert loader.generator is rng


def test_unshuffled_loader_leaves_the_global_generator_alone():
    before = backend.default_generator().bit_generator.state
    loader = DataLoader(_dataset(), batch_size=3)
    list(loader)
    assert backend.default_generator().bit_generator.state == before
    assert loader.generator is None


# ----------------------------------------------------------------------------- iterators
def test_each_iter_call_returns_a_fresh_iterator():
    loader = DataLoader(_dataset(), batch_size=3)
    it1, it2 = iter(loader), iter(loader)
    assert it1 is not it2 and iter(it1) is it1
    next(it1)
    assert len(it1) == 3 and len(it2) == 4
    assert len(list(it2)) == 4  # the half-used it1 does not affect it2
    assert len(list(it1)) == 3
    with pytest.raises(StopIteration):
        next(it1)
    assert len(list(loader)) == 4  # and the loader serves another epoch


def test_the_order_is_drawn_when_the_iterator_is_made():
    loader = DataLoader(_dataset(40), batch_size=40, shuffle=True, generator=2)
    it = iter(loader)
    saved = loader.state_dict()  # taken after iter(): the next epoch's state
    first = next(it)[1].tolist()
    loader.load_state_dict(saved)
    assert next(iter(loader))[1].tolist() != first


# ----------------------------------------------------------------------------- saved state
def test_state_dict_round_trip_reproduces_the_next_epochs_exactly():
    ds = _dataset(40)
    run = DataLoader(ds, batch_size=6, shuffle=True, generator=np.random.default_rng(123))
    for _ in range(2):
        _epoch_labels(run)
    saved = json.loads(json.dumps(run.state_dict()))  # plain JSON-able data
    expected = [_epoch_labels(run) for _ in range(3)]

    resumed = DataLoader(ds, batch_size=6, shuffle=True, generator=np.random.default_rng(999))
    resumed.load_state_dict(saved)
    assert [_epoch_labels(resumed) for _ in range(3)] == expected


def test_state_dict_of_a_loader_seeded_by_manual_seed():
    sd.manual_seed(4)
    run = DataLoader(_dataset(25), batch_size=5, shuffle=True)
    _epoch_labels(run)
    saved = run.state_dict()
    expected = _epoch_labels(run)
    sd.manual_seed(100)
    resumed = DataLoader(_dataset(25), batch_size=5, shuffle=True)
    resumed.load_state_dict(saved)
    assert _epoch_labels(resumed) == expected


def test_state_dict_with_an_mt19937_generator():
    def make():
        return np.random.Generator(np.random.MT19937(3))

    run = DataLoader(_dataset(20), batch_size=4, shuffle=True, generator=make())
    _epoch_labels(run)
    saved = json.loads(json.dumps(run.state_dict()))
    expected = _epoch_labels(run)
    resumed = DataLoader(_dataset(20), batch_size=4, shuffle=True, generator=make())
    resumed.load_state_dict(saved)
    assert _epoch_labels(resumed) == expected


def test_state_dict_without_shuffle():
    loader = DataLoader(_dataset(), batch_size=4)
    assert loader.state_dict() == {"generator": None}
    loader.load_state_dict({"generator": None})
    shuffled = DataLoader(_dataset(), batch_size=4, shuffle=True, generator=0)
    with pytest.raises(ValueError, match=r"shuffle=False\), but this loader shuffles"):
        shuffled.load_state_dict({"generator": None})


def test_load_state_dict_rejects_foreign_state():
    loader = DataLoader(_dataset(), shuffle=True, generator=0)
    with pytest.raises(ValueError, match="with the key 'generator'"):
        loader.load_state_dict({"rng": 1})
    other = DataLoader(
        _dataset(), shuffle=True, generator=np.random.Generator(np.random.MT19937(0))
    )
    with pytest.raises(
        ValueError, match="saved generator is 'MT19937' but this loader's is 'PCG64'"
    ):
        loader.load_state_dict(other.state_dict())


# ----------------------------------------------------------------------------- collate
def test_default_collate_for_a_python_dataset():
    loader = DataLoader(Records(5), batch_size=2)
    batches = list(loader)
    assert len(loader) == 3 and len(batches) == 3
    x, y = batches[0]
    assert x.shape == (2, 3) and x.dtype == np.float32
    assert y.dtype == np.int64 and y.tolist() == [0, 1]
    assert batches[-1][1].tolist() == [4]


def test_default_collate_shapes_of_samples():
    as_tensors = default_collate([(sd.tensor([1.0, 2.0]), 0.5), (sd.tensor([3.0, 4.0]), 1.5)])
    assert as_tensors[0].shape == (2, 2) and as_tensors[1].dtype == np.float32
    single = default_collate([np.zeros((2, 2)), np.ones((2, 2))])
    assert isinstance(single, sd.Tensor) and single.shape == (2, 2, 2)
    dicts = default_collate([{"x": np.zeros(2), "label": 1}, {"x": np.ones(2), "label": 0}])
    assert set(dicts) == {"x", "label"} and dicts["label"].tolist() == [1, 0]


def test_default_collate_errors():
    with pytest.raises(ValueError, match="could not stack.*pass collate_fn"):
        default_collate([(np.zeros(2), 0), (np.zeros(3), 1)])
    with pytest.raises(ValueError, match="empty list"):
        default_collate([])


def test_custom_collate_fn_receives_the_list_of_samples():
    seen = []

    def collate(samples):
        seen.append(len(samples))
        return [label for _, label in samples]

    assert list(DataLoader(Records(5), batch_size=2, collate_fn=collate)) == [[0, 1], [2, 3], [4]]
    assert seen == [2, 2, 1]
    # given a collate_fn, a TensorDataset goes through it too
    out = list(DataLoader(_dataset(4), batch_size=4, collate_fn=lambda s: [int(y) for _, y in s]))
    assert out == [[0, 1, 2, 3]]


# ----------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("batch_size", [0, -1, 2.5, True, "4"])
def test_bad_batch_size(batch_size):
    with pytest.raises(
        ValueError,
        match=f"batch_size must be a positive integer; received batch_size={batch_size!r}",
    ):
        DataLoader(_dataset(), batch_size=batch_size)


def test_bad_dataset_generator_and_collate():
    with pytest.raises(TypeError, match="needs __len__ and __getitem__.*type range_iterator"):
        DataLoader(iter(range(3)))
    with pytest.raises(TypeError, match="generator must be a numpy.random.Generator.*RandomState"):
        DataLoader(_dataset(), shuffle=True, generator=np.random.RandomState(0))
    with pytest.raises(TypeError, match="collate_fn must be callable"):
        DataLoader(_dataset(), collate_fn="stack")


def test_repr():
    loader = DataLoader(_dataset(), batch_size=4, shuffle=True, generator=0)
    assert repr(loader) == (
        "DataLoader(TensorDataset of 10 samples, batch_size=4, shuffle=True, drop_last=False)"
    )

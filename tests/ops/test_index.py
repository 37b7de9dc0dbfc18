"""Tests of ops/index.py: x[index] with NumPy's rules and its scatter-add backward."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl.errors import DTypeError
from scratchdl.ops.index import _entry, _scatter_add
from tests._harness.gradients import check_gradients
from tests._harness.oracle import compare_with_torch

# Indices of a (3, 4, 5) tensor, by family. Each is checked against NumPy, finite differences
# (with double backward) and, where torch has the same indexing, PyTorch.
BASIC = {
    "int": 1,
    "negative int": (-1, 2),
    "all ints": (2, 3, 4),
    "slice": slice(1, None),
    "slice with step": (slice(None), slice(0, 4, 2)),
    "negative step": (slice(None, None, -1), 1, slice(4, 0, -2)),
    "none": (None, 0, None),
    "ellipsis": (Ellipsis, 2),
    "ellipsis and none": (1, Ellipsis, None),
    "empty slice": slice(2, 2),
}
ADVANCED = {
    "repeated ids": [0, 2, 0, 0],
    "negative ids": ([-1, 0, -3],),
    "2-d ids": np.array([[0, 1], [1, 1]]),
    "ids on axis 1": (slice(None), [3, 3, 0]),
    "ids after ellipsis": (Ellipsis, [4, 0, 4]),
    "ids with none": (None, slice(1, 3), [2, 2]),
    "ids with slice before": (slice(0, 3, 2), [1, 1, 2], slice(None, 4)),
    "pick (arange, targets)": (np.arange(3), [1, 1, 3]),
    "ids and int (moved to front)": (0, slice(None), [1, 2, 1]),
    "separated ids": ([0, 0], slice(None), [1, 1]),
    "broadcast ids": (np.array([[0], [2]]), np.array([1, 1, 3])),
    "empty ids": [],
}
MASKS = {
    "mask": "x > 0 on all axes",
    "mask on axis 0": np.array([True, False, True]),
    "mask after slice": (slice(None), np.array([False, True, True, False])),
    "mask and ids": (np.array([True, False, True]), slice(None), [0, 0]),
    "2-d mask and slice": (np.array([[True, False, True, True]] * 3), slice(1, 3)),
    "scalar bool": True,
}
ALL = {**BASIC, **ADVANCED, **MASKS}
# torch has no negative steps, and it applies an int before the arrays instead of treating it as
# one more advanced index (NumPy moves the result axes to the front for x[0, :, ids]).
TORCH_DIFFERS = {"negative step", "ids and int (moved to front)"}


def _index(name, x):
    index = ALL[name]
    return x > 0 if name == "mask" else index


def _x(rng):
    return rng.standard_normal((3, 4, 5))


@pytest.mark.parametrize("name", list(ALL))
def test_getitem_matches_numpy(rng, name):
    x = _x(rng)
    index = _index(name, x)
    np.testing.assert_array_equal(sd.tensor(x)[index].data, x[index])


@pytest.mark.parametrize("name", list(ALL))
def test_getitem_gradients(rng, name):
    x = _x(rng)
    index = _index(name, x)
    check_gradients(lambda t: t[index], x, double=True)


def test_getitem_gradient_of_non_contiguous_input(rng):
    x = rng.standard_normal((5, 3))
    check_gradients(lambda t: t.T[[0, 2, 2], 1:], x, double=True)
    check_gradients(lambda t: t.T[:, ::-2], x, double=True)


@pytest.mark.oracle
@pytest.mark.parametrize("name", [n for n in ALL if n not in TORCH_DIFFERS])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_getitem_matches_torch(rng, name, dtype):
    import torch

    x = _x(rng)
    index = _index(name, x)
    parts = index if isinstance(index, tuple) else (index,)
    torch_index = tuple(torch.as_tensor(p) if isinstance(p, np.ndarray) else p for p in parts)
    compare_with_torch(lambda t: t[index], lambda t: t[torch_index], x, dtype=dtype)


def test_repeated_indices_golden():
    # y = x[[0, 0, 2, 0]], so dx[0] collects g[0] + g[1] + g[3] = 1 + 2 + 4 and dx[2] = g[2].
    x = sd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x[[0, 0, 2, 0]]
    np.testing.assert_array_equal(y.data, [1.0, 1.0, 3.0, 1.0])
    y.backward(sd.tensor([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(x.grad.data, [7.0, 0.0, 3.0])


def test_embedding_lookup_counts_every_use(rng):
    weight = sd.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    ids = np.array([[1, 1, 3], [1, 0, 0]])
    weight[ids].backward(sd.ones(2, 3, 3, dtype="float64"))
    np.testing.assert_array_equal(weight.grad.data[:, 0], [2.0, 3.0, 0.0, 1.0])


def test_index_may_be_tensors(rng):
    x = _x(rng)
    ids = sd.tensor([2, 0, 2])
    mask = sd.tensor(x[:, 0, 0] > 0)
    np.testing.assert_array_equal(sd.tensor(x)[ids, 1].data, x[[2, 0, 2], 1])
    np.testing.assert_array_equal(sd.tensor(x)[mask].data, x[x[:, 0, 0] > 0])
    np.testing.assert_array_equal(sd.tensor(x)[sd.tensor(1)].data, x[1])
    check_gradients(lambda t: t[ids, :, ids], x, double=True)


def test_reading_twice_accumulates():
    x = sd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    (x[0] * x[0] + x[1:] * 3.0).backward(sd.tensor([1.0, 1.0]))
    np.testing.assert_array_equal(x.grad.data, [4.0, 3.0, 3.0])


def test_basic_index_is_a_view():
    data = np.arange(6.0).reshape(2, 3)
    x = sd.from_numpy(data)
    assert np.shares_memory(x[1, ::2].data, data)


@pytest.mark.parametrize("name", list(ALL))
def test_scatter_fast_paths_match_add_at(rng, name):
    x = _x(rng)
    raw = _index(name, x)
    index = tuple(_entry(e) for e in raw) if isinstance(raw, tuple) else (_entry(raw),)
    g = rng.standard_normal(x[index].shape)
    expected = np.zeros(x.shape)
    np.add.at(expected, index, g)
    np.testing.assert_allclose(_scatter_add(g, index, x.shape), expected, rtol=1e-12, atol=1e-12)


def test_scatter_keeps_float32(rng):
    g = rng.standard_normal((6, 3)).astype(np.float32)
    out = _scatter_add(g, (np.array([0, 1, 1, 0, 4, 4]),), (5, 3))
    assert out.dtype == np.float32


def test_float_index_is_rejected():
    x = sd.zeros(3, 4)
    with pytest.raises(DTypeError, match=r"getitem: index arrays must hold integers.*float64"):
        x[np.array([0.0, 1.0])]
    with pytest.raises(DTypeError, match="getitem"):
        x[sd.tensor([1.0])]


def test_out_of_bounds_names_the_shape():
    x = sd.zeros(3, 4)
    with pytest.raises(IndexError, match=r"getitem: .*out of bounds.*shape \(3, 4\)"):
        x[:, [1, 4]]
    with pytest.raises(IndexError, match=r"getitem: .*shape \(3, 4\)"):
        x[0, 0, 0]
    with pytest.raises(IndexError, match=r"getitem: .*shape \(3, 4\)"):
        x[np.array([True, False])]

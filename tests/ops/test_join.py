"""Tests of ops/join.py: concatenate stack split chunk pad repeat tile."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl.errors import DTypeError, ShapeError
from tests._harness.gradients import check_gradients
from tests._harness.oracle import compare_with_torch
from tests._harness.tables import random_input, table_tests


def _joined(parts):
    """One tensor from a list of parts, each scaled differently so every part's gradient shows."""
    return sd.concatenate([p.reshape(-1) * float(i + 1) for i, p in enumerate(parts)])


def _torch_joined(parts):
    import torch

    return torch.cat([p.reshape(-1) * float(i + 1) for i, p in enumerate(parts)])


def _torch():
    import torch

    return torch


def _functional():
    import torch.nn.functional as F  # noqa: N812

    return F


# (name, input shape, scratchdl function, NumPy reference, torch function). Shapes cover 0-d,
# size-1 axes and negative axes; the "T" cases transpose the input first (non-contiguous).
# fmt: off
_CASES = [
    ("split sections", (6, 2), lambda x: _joined(sd.split(x, 3)),
     lambda a: np.concatenate([p.reshape(-1) * (i + 1) for i, p in enumerate(np.split(a, 3))]),
     lambda x: _torch_joined(_torch().tensor_split(x, 3))),
    ("split indices", (2, 5), lambda x: _joined(x.split([1, -1], axis=-1)),
     lambda a: np.concatenate(
         [p.reshape(-1) * (i + 1) for i, p in enumerate(np.split(a, [1, -1], axis=-1))]),
     lambda x: _torch_joined(_torch().tensor_split(x, [1, 4], dim=-1))),
    ("chunk", (5, 2), lambda x: _joined(sd.chunk(x, 3)),
     lambda a: np.concatenate([a[:2].ravel(), 2 * a[2:4].ravel(), 3 * a[4:].ravel()]),
     lambda x: _torch_joined(_torch().chunk(x, 3))),
    ("chunk fewer", (2, 5), lambda x: _joined(x.chunk(4, axis=1)),
     lambda a: np.concatenate([a[:, 0:2].ravel(), 2 * a[:, 2:4].ravel(), 3 * a[:, 4:].ravel()]),
     lambda x: _torch_joined(_torch().chunk(x, 4, dim=1))),
    ("pad int", (2, 3), lambda x: sd.pad(x, 1), lambda a: np.pad(a, 1),
     lambda x: _functional().pad(x, (1, 1, 1, 1))),
    ("pad pair", (2, 3), lambda x: sd.pad(x, (0, 2), value=-1.5),
     lambda a: np.pad(a, (0, 2), constant_values=-1.5),
     lambda x: _functional().pad(x, (0, 2, 0, 2), value=-1.5)),
    ("pad per axis", (1, 2, 3), lambda x: sd.pad(x, ((0, 0), (2, 1), (0, 3))),
     lambda a: np.pad(a, ((0, 0), (2, 1), (0, 3))), lambda x: _functional().pad(x, (0, 3, 2, 1))),
    ("repeat", (2, 3), lambda x: sd.repeat(x, 2, axis=-1), lambda a: np.repeat(a, 2, -1),
     lambda x: _torch().repeat_interleave(x, 2, dim=-1)),
    ("repeat flat", (2, 3), lambda x: x.repeat(3), lambda a: np.repeat(a, 3),
     lambda x: _torch().repeat_interleave(x, 3)),
    ("repeat counts", (3, 2), lambda x: sd.repeat(x, [2, 0, 3], axis=0),
     lambda a: np.repeat(a, [2, 0, 3], axis=0),
     lambda x: _torch().repeat_interleave(x, _torch().tensor([2, 0, 3]), dim=0)),
    ("repeat 0-d", (), lambda x: sd.repeat(x, 3), lambda a: np.repeat(a, 3),
     lambda x: _torch().repeat_interleave(x, 3)),
    ("tile", (2, 3), lambda x: sd.tile(x, (2, 1)), lambda a: np.tile(a, (2, 1)),
     lambda x: _torch().tile(x, (2, 1))),
    ("tile short reps", (2, 1, 3), lambda x: sd.tile(x, 2), lambda a: np.tile(a, 2),
     lambda x: _torch().tile(x, (2,))),
    ("tile long reps", (3,), lambda x: sd.tile(x, (2, 1, 2)), lambda a: np.tile(a, (2, 1, 2)),
     lambda x: _torch().tile(x, (2, 1, 2))),
    ("tile T", (3, 2), lambda x: sd.tile(x.T, (1, 2)), lambda a: np.tile(a.T, (1, 2)),
     lambda x: _torch().tile(x.T, (1, 2))),
]
# fmt: on

test_forward_matches_numpy, test_gradients, test_matches_torch = table_tests(_CASES)


# ----------------------------------------------------------------------------- joins
JOINS = {
    "concatenate 0": (lambda *t: sd.concatenate(t), [(2, 3), (1, 3), (3, 3)], "cat", {}),
    "concatenate -1": (
        lambda *t: sd.concatenate(t, axis=-1),
        [(2, 1), (2, 0), (2, 3)],
        "cat",
        {"dim": -1},
    ),
    "stack 0": (lambda *t: sd.stack(t), [(2, 3), (2, 3)], "stack", {}),
    "stack -1": (lambda *t: sd.stack(t, axis=-1), [(2, 1), (2, 1), (2, 1)], "stack", {"dim": -1}),
    "stack 0-d": (lambda *t: sd.stack(t), [(), (), ()], "stack", {}),
}


@pytest.mark.parametrize("name", list(JOINS))
def test_join_gradients(rng, name):
    fn, shapes, _, _ = JOINS[name]
    check_gradients(fn, *[random_input(rng, s) for s in shapes], double=True)


@pytest.mark.oracle
@pytest.mark.parametrize("name", list(JOINS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_join_matches_torch(rng, name, dtype):
    import torch

    fn, shapes, torch_name, kwargs = JOINS[name]
    arrays = [random_input(rng, s) for s in shapes]
    compare_with_torch(fn, lambda *t: getattr(torch, torch_name)(t, **kwargs), *arrays, dtype=dtype)


def test_concatenate_golden():
    # y = [a, b]; g = [1, 2, 3] gives da = [1, 2] and db = [3].
    a = sd.tensor([1.0, 2.0], requires_grad=True)
    b = sd.tensor([3.0], requires_grad=True)
    sd.concatenate([a, b]).backward(sd.tensor([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(a.grad.data, [1.0, 2.0])
    np.testing.assert_array_equal(b.grad.data, [3.0])


def test_join_of_mixed_dtypes_casts_gradients_back(rng):
    a = sd.tensor(rng.standard_normal(2).astype(np.float32), requires_grad=True)
    b = sd.tensor(rng.standard_normal(3), requires_grad=True)
    ints = sd.tensor([1, 2])
    y = sd.concatenate([a, b, ints])
    assert y.dtype == np.float64
    y.backward(sd.ones(7, dtype="float64"))
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64
    assert sd.stack([a, ints]).dtype == np.float32  # floats win: no float64 from int64 + float32
    s = sd.stack([a, sd.tensor(rng.standard_normal(2), requires_grad=True)])
    s.backward(sd.ones(2, 2, dtype="float64"))
    assert a.grad.dtype == np.float32


def test_repeat_golden():
    # y = [x0, x1, x1, x1]; g = [1, 2, 3, 4] gives dx = [1, 2 + 3 + 4].
    x = sd.tensor([1.0, 2.0], requires_grad=True)
    y = sd.repeat(x, [1, 3])
    np.testing.assert_array_equal(y.data, [1.0, 2.0, 2.0, 2.0])
    y.backward(sd.tensor([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(x.grad.data, [1.0, 9.0])


def test_tile_and_pad_golden():
    # tile repeats [x0, x1] twice, so each gets the sum of its two copies' gradients; pad's
    # gradient is the interior of g.
    x = sd.tensor([1.0, 2.0], requires_grad=True)
    sd.tile(x, 2).backward(sd.tensor([1.0, 2.0, 3.0, 4.0]))
    np.testing.assert_array_equal(x.grad.data, [4.0, 6.0])
    x.zero_grad()
    sd.pad(x, (1, 2), value=9.0).backward(sd.tensor([5.0, 1.0, 2.0, 5.0, 5.0]))
    np.testing.assert_array_equal(x.grad.data, [1.0, 2.0])


def test_split_semantics_match_numpy(rng):
    a = rng.standard_normal((7, 2))
    for spec in (7, [2, 5], [5, 2], [-3], [0, 10], []):
        got = [p.data for p in sd.split(sd.tensor(a), spec)]
        expected = np.split(a, spec)
        assert [g.shape for g in got] == [e.shape for e in expected]
        for g, e in zip(got, expected):
            np.testing.assert_array_equal(g, e)
    assert [p.shape for p in sd.split(sd.zeros(0, 2), 3)] == [(0, 2)] * 3
    assert [p.shape for p in sd.chunk(sd.zeros(0, 2), 3)] == [(0, 2)] * 3


# ----------------------------------------------------------------------------- bad input
BAD = [
    (
        lambda x: sd.concatenate([x, sd.zeros(2, 2)]),
        ShapeError,
        r"concatenate: shapes \(2, 3\), \(2, 2\) cannot be joined along axis 0",
    ),
    (lambda x: sd.concatenate(x), TypeError, r"concatenate: expected a list"),
    (lambda x: sd.concatenate([]), ShapeError, r"concatenate: needs at least one"),
    (lambda x: sd.stack([x, x.T]), ShapeError, r"stack: .*shapes \(2, 3\), \(3, 2\)"),
    (lambda x: sd.split(x, 4, axis=1), ShapeError, r"split: axis 1 .*\(2, 3\).*4 equal"),
    (lambda x: sd.chunk(x, 0), ShapeError, r"chunk: chunks must be a positive"),
    (lambda x: sd.pad(x, ((1, 1),) * 3), ShapeError, r"pad: pad_width=.*\(2, 3\)"),
    (lambda x: sd.pad(x, -1), ShapeError, r"pad: pad widths must be >= 0"),
    (lambda x: sd.pad(x, 1.5), DTypeError, r"pad: pad_width must hold integers"),
    (lambda x: sd.repeat(x, [1, 2, 3]), ShapeError, r"repeat: repeats has 3 counts.*\(6,\)"),
    (lambda x: sd.repeat(x, -1), ShapeError, r"repeat: repeats must be >= 0"),
    (lambda x: sd.repeat(x, 1.5), DTypeError, r"repeat: repeats must be an int"),
    (lambda x: sd.tile(x, (-1,)), ShapeError, r"tile: reps must be >= 0"),
]


@pytest.mark.parametrize("fn, error, message", BAD)
def test_bad_input_is_explained(fn, error, message):
    with pytest.raises(error, match=message):
        fn(sd.zeros(2, 3))

"""Tests of ops/linalg.py: matmul with NumPy semantics."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl.errors import DTypeError, ShapeError
from tests._harness.gradients import check_gradients
from tests._harness.oracle import compare_with_torch

SHAPES = [
    ((3,), (3,)),  # dot product -> 0-d
    ((3,), (3, 4)),  # vector @ matrix
    ((2, 3), (3,)),  # matrix @ vector
    ((2, 3), (3, 4)),
    ((1, 1), (1, 1)),
    ((5, 2, 3), (3, 4)),  # batched @ matrix
    ((3,), (5, 3, 4)),  # vector @ batched
    ((5, 2, 3), (3,)),  # batched @ vector
    ((2, 1, 2, 3), (4, 3, 2)),  # batch axes broadcast both ways
]


@pytest.mark.parametrize("shapes", SHAPES, ids=str)
def test_matmul_gradients(rng, shapes):
    a, b = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    check_gradients(sd.matmul, a, b, double=True)


@pytest.mark.oracle
@pytest.mark.parametrize("shapes", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_matmul_matches_torch(rng, shapes, dtype):
    import torch

    a, b = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    compare_with_torch(sd.matmul, torch.matmul, a, b, dtype=dtype)


def test_matmul_operator_and_transposed_input(rng):
    a = rng.standard_normal((4, 3))
    b = rng.standard_normal((4, 2))
    # a.T is a non-contiguous view: the gradient must still land in a's layout.
    check_gradients(lambda x, y: x.T @ y, a, b, double=True)


def test_matmul_golden():
    a = sd.tensor([[1.0, 2.0]], requires_grad=True)
    b = sd.tensor([[3.0], [4.0]], requires_grad=True)
    y = a @ b
    np.testing.assert_array_equal(y.data, [[11.0]])
    y.backward(sd.tensor([[2.0]]))
    np.testing.assert_array_equal(a.grad.data, [[6.0, 8.0]])
    np.testing.assert_array_equal(b.grad.data, [[2.0], [4.0]])


def test_matmul_errors_name_shapes():
    with pytest.raises(
        ShapeError,
        match=r"matmul: cannot multiply shapes \(32, 784\) and \(512, 10\): the inner dimensions "
        r"784 and 512 differ",
    ):
        sd.matmul(sd.ones(32, 784), sd.ones(512, 10))
    with pytest.raises(ShapeError, match="at least one axis"):
        sd.matmul(sd.tensor(2.0), sd.ones(2))
    with pytest.raises(ShapeError, match="batch axes"):
        sd.matmul(sd.ones(2, 3, 4), sd.ones(5, 4, 2))
    with pytest.raises(DTypeError, match="same dtype"):
        sd.matmul(sd.ones(2, 2), sd.ones(2, 2, dtype="float64"))


TRANSPOSED = [
    ((3, 2), (3, 4), True, False),
    ((2, 3), (4, 3), False, True),
    ((3, 2), (4, 3), True, True),
    ((5, 3, 2), (3, 4), True, False),
    ((2, 3), (5, 4, 3), False, True),
    ((2, 1, 3, 2), (4, 4, 3), True, True),
    ((3, 2), (3,), True, False),  # a flag beside a vector operand
    ((3,), (4, 3), False, True),
]


@pytest.mark.parametrize("case", TRANSPOSED, ids=str)
def test_matmul_transposed_operands_gradients(rng, case):
    shape_a, shape_b, ta, tb = case
    a, b = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
    check_gradients(lambda x, y: sd.matmul(x, y, transpose_a=ta, transpose_b=tb), a, b, double=True)


@pytest.mark.oracle
@pytest.mark.parametrize("case", TRANSPOSED, ids=str)
def test_matmul_transposed_operands_match_torch(rng, case):
    import torch

    shape_a, shape_b, ta, tb = case
    a, b = rng.standard_normal(shape_a), rng.standard_normal(shape_b)
    compare_with_torch(
        lambda x, y: sd.matmul(x, y, transpose_a=ta, transpose_b=tb),
        lambda x, y: torch.matmul(x.mT if ta else x, y.mT if tb else y),
        a,
        b,
    )


def test_matmul_transpose_flags_errors():
    with pytest.raises(ShapeError, match=r"transpose_b=True\): the inner dimensions 3 and 4"):
        sd.matmul(sd.ones(2, 3), sd.ones(3, 4), transpose_b=True)
    with pytest.raises(ShapeError, match="at least two axes"):
        sd.matmul(sd.ones(3), sd.ones(3, 4), transpose_a=True)

"""Tests of scratchdl.ops.softmax: softmax and log_softmax, against finite differences, PyTorch
and hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl.errors import ShapeError
from scratchdl.nn import functional as F
from tests._harness.gradients import check_gradients
from tests._harness.oracle import compare_with_torch

DTYPES = [np.float64, np.float32]


def _torch_f():
    import torch.nn.functional as TF

    return TF


# ----------------------------------------------------------------------------- softmax family
SOFTMAX_CASES = [((5,), -1), ((3, 5), -1), ((3, 5), 0), ((2, 3, 4), 1), ((1, 1), -1)]


@pytest.mark.parametrize("shape, axis", SOFTMAX_CASES)
@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax], ids=["softmax", "log_softmax"])
def test_softmax_family_gradients(rng, fn, shape, axis):
    check_gradients(lambda x: fn(x, axis=axis), rng.standard_normal(shape), double=True)


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape, axis", SOFTMAX_CASES)
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_softmax_family_matches_torch(rng, name, shape, axis, dtype):
    TF = _torch_f()
    compare_with_torch(
        lambda x: getattr(F, name)(x, axis=axis),
        lambda x: getattr(TF, name)(x, dim=axis),
        rng.standard_normal(shape),
        dtype=dtype,
    )


def test_softmax_golden_values():
    x = sd.tensor([0.0, np.log(3.0)], dtype="float64", requires_grad=True)
    y = F.softmax(x)
    np.testing.assert_allclose(y.data, [0.25, 0.75])
    y.backward(sd.tensor([1.0, 0.0], dtype="float64"))
    # dx = y * (g - sum(g * y)) = [0.25 * 0.75, 0.75 * -0.25]
    np.testing.assert_allclose(x.grad.data, [0.1875, -0.1875])


def test_softmax_is_stable_for_huge_values():
    big = sd.tensor([1000.0, 1001.0, 1002.0])
    np.testing.assert_allclose(F.softmax(big).data, F.softmax(sd.tensor([0.0, 1.0, 2.0])).data)
    log_p = F.log_softmax(sd.tensor([-1000.0, 0.0]))
    np.testing.assert_allclose(log_p.data, [-1000.0, 0.0])


def test_softmax_rows_sum_to_one(rng):
    y = F.softmax(sd.tensor(rng.standard_normal((4, 7)).astype(np.float32)), axis=1)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data.sum(axis=1), 1.0, rtol=1e-6)


# ----------------------------------------------------------------------------- edge shapes
@pytest.mark.parametrize("axis", [0, -1])
@pytest.mark.parametrize(
    "fn, expected", [(F.softmax, 1.0), (F.log_softmax, 0.0)], ids=["softmax", "log_softmax"]
)
def test_zero_dim_input_is_one_class(fn, expected, axis):
    # A 0-d tensor is one slice of one class, as in PyTorch: softmax 1, log_softmax 0.
    x = sd.tensor(3.0, requires_grad=True)
    y = fn(x, axis=axis)
    assert y.shape == () and y.dtype == np.float32 and y.item() == expected
    y.backward()
    assert x.grad.shape == () and x.grad.item() == 0.0


@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax], ids=["softmax", "log_softmax"])
def test_zero_dim_gradients(fn):
    check_gradients(lambda x: fn(x, axis=0), np.array(0.7), double=True)


@pytest.mark.oracle
@pytest.mark.parametrize("axis", [0, -1])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_zero_dim_matches_torch(name, axis):
    TF = _torch_f()
    compare_with_torch(
        lambda x: getattr(F, name)(x, axis=axis),
        lambda x: getattr(TF, name)(x, dim=axis),
        np.array(-1.5),
    )


@pytest.mark.parametrize("shape, axis", [((3, 0), -1), ((3, 0), 0), ((0, 4), -1), ((2, 0, 3), 1)])
@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax], ids=["softmax", "log_softmax"])
def test_empty_input_gives_empty_result(fn, shape, axis):
    x = sd.zeros(shape, requires_grad=True)
    y = fn(x, axis=axis)
    assert y.shape == shape and y.dtype == np.float32
    y.sum().backward()
    assert x.grad.shape == shape


@pytest.mark.oracle
@pytest.mark.parametrize("shape, axis", [((3, 0), -1), ((3, 0), 0)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_empty_input_matches_torch(name, shape, axis):
    TF = _torch_f()
    compare_with_torch(
        lambda x: getattr(F, name)(x, axis=axis),
        lambda x: getattr(TF, name)(x, dim=axis),
        np.zeros(shape),
    )


@pytest.mark.parametrize(
    "shape, axis, valid",
    [((), 1, "[-1, 0]"), ((), -2, "[-1, 0]"), ((3, 4), 2, "[-2, 1]"), ((5,), -2, "[-1, 0]")],
)
def test_axis_out_of_range_error(shape, axis, valid):
    with pytest.raises(ShapeError) as info:
        F.softmax(sd.zeros(shape), axis=axis)
    message = str(info.value)
    assert message.startswith("softmax: axis must be an integer in " + valid)
    assert f"input shape {shape}" in message and f"received axis={axis}" in message


@pytest.mark.parametrize("axis", [1.0, None, True])
def test_axis_must_be_an_integer(axis):
    with pytest.raises(TypeError, match=r"log_softmax: axis must be an integer .*received axis="):
        F.log_softmax(sd.zeros((2, 3)), axis=axis)


# ----------------------------------------------------------------------------- memory layouts
@pytest.mark.oracle
@pytest.mark.parametrize("layout", ["strided", "transposed"])
@pytest.mark.parametrize("shape, axis", [((4, 6), -1), ((4, 6), 0), ((2, 3, 5), 1)])
@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
def test_non_contiguous_input_matches_torch(rng, name, shape, axis, layout):
    TF = _torch_f()
    compare_with_torch(
        lambda x: getattr(F, name)(x, axis=axis),
        lambda x: getattr(TF, name)(x, dim=axis),
        rng.standard_normal(shape),
        dtype=np.float32,
        layout=layout,
    )

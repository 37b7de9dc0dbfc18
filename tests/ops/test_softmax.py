"""Tests of scratchdl.ops.softmax: softmax and log_softmax, against finite differences, PyTorch
and hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
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

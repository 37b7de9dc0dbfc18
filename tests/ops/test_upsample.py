"""Tests of ops/upsample.py: nearest upsampling and its block-sum backward."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
import scratchdl.nn.functional as F
from tests._harness.gradients import check_gradients
from tests._harness.oracle import compare_with_torch


@pytest.mark.parametrize("shape, scale", [((2, 3, 3, 4), 2), ((1, 2, 2, 3), (3, 1))])
def test_upsample_gradients(rng, shape, scale):
    x = rng.standard_normal(shape)
    check_gradients(lambda t: F.upsample(t, scale), x, double=True)


def test_upsample_backward_sums_blocks():
    x = sd.tensor(np.zeros((1, 1, 1, 2)), requires_grad=True)
    F.upsample(x, 2).backward(sd.tensor(np.arange(8.0).reshape(1, 1, 2, 4)))
    np.testing.assert_array_equal(x.grad.data[0, 0], [[0 + 1 + 4 + 5, 2 + 3 + 6 + 7]])


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("scale", [2, (2, 3)])
def test_upsample_matches_torch(rng, dtype, scale):
    import torch

    compare_with_torch(
        lambda t: F.upsample(t, scale),
        lambda t: torch.nn.functional.interpolate(t, scale_factor=scale, mode="nearest"),
        rng.standard_normal((2, 3, 3, 4)),
        dtype=dtype,
    )


def test_bad_scale_and_mode():
    x = sd.zeros(1, 1, 4, 4)
    with pytest.raises(ValueError, match=r"upsample: scale_factor must be a positive integer"):
        F.upsample(x, 1.5)
    with pytest.raises(ValueError, match=r"mode='nearest'"):
        F.upsample(x, 2, mode="bilinear")
    assert F.upsample(x, 2.0).shape == (1, 1, 8, 8)

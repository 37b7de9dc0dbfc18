"""Tests of ops/pool.py: max_pool2d, max_pool1d, avg_pool2d, adaptive_avg_pool2d."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
import scratchdl.nn.functional as F
from scratchdl.errors import ShapeError
from tests._harness.gradients import check_gradients
from tests._harness.oracle import compare_with_torch


def _distinct(rng, shape):
    """Values with no ties (a shuffled grid spaced 0.1 apart): max-pool stays away from kinks."""
    size = int(np.prod(shape))
    return (rng.permutation(size).reshape(shape) * 0.1 - size * 0.05).astype(np.float64)


# (shape, kernel_size, stride, padding, dilation)
MAX_CASES = [
    ((1, 1, 4, 4), 2, None, 0, 1),
    ((2, 3, 5, 7), 3, 2, 1, 1),
    ((2, 2, 6, 5), (2, 3), (1, 2), (1, 0), 1),
    ((1, 2, 7, 7), 3, 1, 1, 1),
    ((2, 1, 7, 6), 2, 3, 0, 1),
    ((1, 2, 8, 7), 3, 2, 1, 2),
    ((2, 1, 6, 6), (2, 2), 1, 0, (2, 1)),
    ((3, 2, 5, 5), 2, 1, 1, 1),
]


@pytest.mark.parametrize("shape, k, s, p, d", MAX_CASES)
def test_max_pool2d_gradients(rng, shape, k, s, p, d):
    x = _distinct(rng, shape)
    check_gradients(lambda t: F.max_pool2d(t, k, s, p, d), x, double=True)


@pytest.mark.parametrize("shape, k, s, p", [((2, 3, 9), 2, None, 0), ((1, 2, 8), 3, 2, 1)])
def test_max_pool1d_gradients(rng, shape, k, s, p):
    check_gradients(lambda t: F.max_pool1d(t, k, s, p), _distinct(rng, shape), double=True)


AVG_CASES = [
    ((1, 1, 4, 4), 2, None, 0, True),
    ((2, 3, 5, 7), 3, 2, 1, True),
    ((2, 3, 5, 7), 3, 2, 1, False),
    ((2, 2, 6, 5), (2, 3), (1, 2), (1, 1), False),
    ((1, 2, 7, 6), 2, 3, 0, True),
]


@pytest.mark.parametrize("shape, k, s, p, include", AVG_CASES)
def test_avg_pool2d_gradients(rng, shape, k, s, p, include):
    x = rng.standard_normal(shape)
    check_gradients(lambda t: F.avg_pool2d(t, k, s, p, include), x, double=True)


@pytest.mark.parametrize(
    "shape, out", [((2, 3, 5, 7), (2, 3)), ((1, 2, 7, 5), 3), ((2, 2, 4, 4), 1), ((1, 1, 3, 5), 4)]
)
def test_adaptive_avg_pool2d_gradients(rng, shape, out):
    x = rng.standard_normal(shape)
    check_gradients(lambda t: F.adaptive_avg_pool2d(t, out), x, double=True)


# ---------------------------------------------------------------------------- exact values
def test_max_pool2d_ties_go_to_first_index():
    x = sd.tensor(np.ones((1, 1, 2, 4)), requires_grad=True)
    F.max_pool2d(x, 2).sum().backward()
    np.testing.assert_array_equal(x.grad.data[0, 0], [[1, 0, 1, 0], [0, 0, 0, 0]])


def test_max_pool2d_overlapping_windows_add_up():
    x = sd.tensor([[[[0.0, 1.0, 0.0], [0.0, 9.0, 0.0], [0.0, 0.0, 0.0]]]], requires_grad=True)
    y = F.max_pool2d(x, 2, stride=1)
    np.testing.assert_array_equal(y.data[0, 0], [[9, 9], [9, 9]])
    y.backward(sd.tensor(np.array([[[[1.0, 2.0], [3.0, 4.0]]]])))
    np.testing.assert_array_equal(x.grad.data[0, 0], [[0, 0, 0], [0, 10, 0], [0, 0, 0]])


def test_max_pool2d_double_backward_is_a_gather():
    x = sd.tensor(np.array([[[[1.0, 4.0], [3.0, 2.0]]]]), requires_grad=True)
    g = sd.tensor(np.array([[[[2.0]]]]), requires_grad=True)
    (dx,) = sd.autograd.grad([F.max_pool2d(x, 2)], [x], grad_outputs=[g], create_graph=True)
    np.testing.assert_array_equal(dx.data[0, 0], [[0, 2], [0, 0]])
    (dg,) = sd.autograd.grad([(dx * sd.tensor(np.arange(4.0).reshape(1, 1, 2, 2))).sum()], [g])
    np.testing.assert_array_equal(dg.data, [[[[1.0]]]])


def test_adaptive_avg_pool2d_regions_overlap_like_torch():
    x = sd.tensor(np.arange(5.0).reshape(1, 1, 1, 5))
    # regions of 5 into 3: [0, 2), [1, 4), [3, 5)
    np.testing.assert_allclose(F.adaptive_avg_pool2d(x, (1, 3)).data[0, 0, 0], [0.5, 2.0, 3.5])


# ---------------------------------------------------------------------------- PyTorch oracle
@pytest.mark.oracle
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape, k, s, p, d", MAX_CASES)
def test_max_pool2d_matches_torch(rng, dtype, shape, k, s, p, d):
    import torch

    compare_with_torch(
        lambda t: F.max_pool2d(t, k, s, p, d),
        lambda t: torch.nn.functional.max_pool2d(t, k, s, p, d),
        _distinct(rng, shape),
        dtype=dtype,
    )


@pytest.mark.oracle
@pytest.mark.parametrize("layout", ["contiguous", "strided"])
@pytest.mark.parametrize("k, s, p", [(2, None, 0), (3, 1, 1), (3, 2, 1)])
def test_max_pool2d_ties_match_torch(rng, layout, k, s, p):
    import torch

    x = rng.integers(0, 3, size=(2, 2, 7, 6)).astype(np.float64)  # many ties
    compare_with_torch(
        lambda t: F.max_pool2d(t, k, s, p),
        lambda t: torch.nn.functional.max_pool2d(t, k, s, p),
        x,
        layout=layout,
    )


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_max_pool1d_matches_torch(rng, dtype):
    import torch

    x = rng.integers(0, 4, size=(2, 3, 11)).astype(np.float64)
    compare_with_torch(
        lambda t: F.max_pool1d(t, 3, 2, 1),
        lambda t: torch.nn.functional.max_pool1d(t, 3, 2, 1),
        x,
        dtype=dtype,
    )


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("shape, k, s, p, include", AVG_CASES)
def test_avg_pool2d_matches_torch(rng, dtype, shape, k, s, p, include):
    import torch

    compare_with_torch(
        lambda t: F.avg_pool2d(t, k, s, p, include),
        lambda t: torch.nn.functional.avg_pool2d(t, k, s, p, count_include_pad=include),
        rng.standard_normal(shape),
        dtype=dtype,
    )


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "shape, out", [((2, 3, 5, 7), (2, 3)), ((1, 2, 7, 5), 3), ((2, 4, 4, 4), 1), ((1, 1, 3, 5), 4)]
)
def test_adaptive_avg_pool2d_matches_torch(rng, dtype, shape, out):
    import torch

    compare_with_torch(
        lambda t: F.adaptive_avg_pool2d(t, out),
        lambda t: torch.nn.functional.adaptive_avg_pool2d(t, out),
        rng.standard_normal(shape),
        dtype=dtype,
        layout="strided",
    )


# ---------------------------------------------------------------------------- bad input
def test_kernel_larger_than_padded_input_names_the_shapes():
    x = sd.zeros(1, 1, 3, 3)
    with pytest.raises(ShapeError, match=r"max_pool2d: .*larger than the padded input \(3, 3\)"):
        F.max_pool2d(x, 4)
    with pytest.raises(ShapeError, match=r"max_pool1d: kernel_size=5 .*length 4"):
        F.max_pool1d(sd.zeros(1, 1, 4), 5)


def test_padding_more_than_half_the_kernel_is_refused():
    with pytest.raises(ValueError, match=r"avg_pool2d: padding must be at most half.*kernel_size"):
        F.avg_pool2d(sd.zeros(1, 1, 8, 8), 3, padding=2)
    with pytest.raises(ValueError, match=r"max_pool1d: padding must be at most half"):
        F.max_pool1d(sd.zeros(1, 1, 8), 2, padding=2)


def test_bad_arguments_are_refused():
    x = sd.zeros(1, 1, 4, 4)
    with pytest.raises(ShapeError, match=r"max_pool2d: expected input of shape \(N, C, H, W\)"):
        F.max_pool2d(sd.zeros(4, 4), 2)
    with pytest.raises(ValueError, match=r"stride must be an int >= 1.*stride=0"):
        F.max_pool2d(x, 2, stride=0)
    with pytest.raises(ValueError, match=r"output_size"):
        F.adaptive_avg_pool2d(x, (2, 0))


@pytest.mark.oracle
def test_max_pool2d_nan_windows_match_torch(rng):
    import torch

    x = _distinct(rng, (1, 2, 4, 4))
    x[0, 0, 0, 1] = x[0, 0, 1, 0] = np.nan  # two nans in one window: torch keeps the last
    x[0, 1, 3, 3] = np.nan
    compare_with_torch(
        lambda t: F.max_pool2d(t, 2), lambda t: torch.nn.functional.max_pool2d(t, 2), x
    )

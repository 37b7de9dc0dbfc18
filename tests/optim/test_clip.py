"""clip_grad_norm_ and clip_grad_value_: values, new arrays, PyTorch parity, bad arguments."""

from __future__ import annotations

import math

import numpy as np
import pytest

import scratchdl as sd
from scratchdl.nn.parameter import Parameter
from scratchdl.optim import clip_grad_norm_, clip_grad_value_


def with_grads(grads, dtype=np.float32):
    params = []
    for g in grads:
        g = np.asarray(g, dtype=dtype)
        p = Parameter(np.zeros(g.shape, dtype))
        p.grad = sd.tensor(g)
        params.append(p)
    return params


# --------------------------------------------------------------------- clip_grad_norm_
def test_norm_is_clipped_to_max_norm_keeping_the_direction():
    params = with_grads([[3.0, 0.0], [[0.0], [4.0]]])  # joint 2-norm 5
    total = clip_grad_norm_(params, max_norm=1.0)
    assert isinstance(total, sd.Tensor) and total.shape == ()
    np.testing.assert_allclose(total.data, 5.0, rtol=1e-7)
    coef = 1.0 / (5.0 + 1e-6)
    np.testing.assert_allclose(params[0].grad.data, [3 * coef, 0.0], rtol=1e-6)
    np.testing.assert_allclose(params[1].grad.data, [[0.0], [4 * coef]], rtol=1e-6)


def test_small_gradients_are_left_as_they_are():
    params = with_grads([[0.3, 0.4]])
    total = clip_grad_norm_(params, max_norm=1.0)
    np.testing.assert_allclose(total.data, 0.5, rtol=1e-7)
    np.testing.assert_array_equal(params[0].grad.data, np.float32([0.3, 0.4]))


@pytest.mark.parametrize(
    "norm_type, expected",
    [(1.0, 10.0), (2.0, math.sqrt(30.0)), (3.0, 100.0 ** (1 / 3)), (math.inf, 4.0)],
)
def test_norm_types(norm_type, expected):
    params = with_grads([[1.0, -2.0], [3.0, -4.0]])
    total = clip_grad_norm_(params, max_norm=100.0, norm_type=norm_type)
    np.testing.assert_allclose(total.data, expected, rtol=1e-6)


def test_gradients_get_new_arrays_and_the_old_ones_are_untouched():
    params = with_grads([[30.0, 40.0]])
    old = params[0].grad.data
    clip_grad_norm_(params, max_norm=1.0)
    assert params[0].grad.data is not old
    np.testing.assert_array_equal(old, np.float32([30.0, 40.0]))


def test_dtype_is_kept():
    params = with_grads([[30.0, 40.0]], dtype=np.float32)
    total = clip_grad_norm_(params, 1.0)
    assert total.dtype == np.float32 and params[0].grad.dtype == np.float32
    params = with_grads([[30.0, 40.0]], dtype=np.float64)
    assert clip_grad_norm_(params, 1.0).dtype == np.float64


def test_parameters_without_gradients_are_skipped_and_a_single_tensor_works():
    p = Parameter(np.zeros(2, np.float32))
    assert float(clip_grad_norm_([p], 1.0)) == 0.0
    (q,) = with_grads([[6.0, 8.0]])
    total = clip_grad_norm_(q, 5.0)
    np.testing.assert_allclose(total.data, 10.0)
    np.testing.assert_allclose(q.grad.data, [3.0, 4.0], rtol=1e-6)


def test_nonfinite_norm_raises_when_asked():
    params = with_grads([[1.0, np.nan]])
    with pytest.raises(RuntimeError, match="total norm of order 2.0 of the gradients is nan"):
        clip_grad_norm_(params, 1.0, error_if_nonfinite=True)
    total = clip_grad_norm_(params, 1.0)  # default: clip anyway, as PyTorch does
    assert np.isnan(total.data)


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"max_norm": -1.0}, ValueError, "clip_grad_norm_: max_norm must be a number >= 0"),
        ({"max_norm": float("nan")}, ValueError, "received max_norm=nan"),
        ({"max_norm": 1.0, "norm_type": 0.0}, ValueError, "norm_type must be a number > 0"),
        ({"max_norm": 1.0, "norm_type": "fro"}, TypeError, "norm_type must be a number"),
    ],
)
def test_bad_arguments_of_clip_grad_norm(kwargs, error, message):
    with pytest.raises(error, match=message):
        clip_grad_norm_(with_grads([[1.0]]), **kwargs)


def test_non_tensor_in_parameters_is_an_error():
    with pytest.raises(TypeError, match="item 0 is a ndarray"):
        clip_grad_norm_([np.ones(2)], 1.0)


@pytest.mark.oracle
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, math.inf])
@pytest.mark.parametrize("max_norm", [0.5, 1e3])
def test_clip_grad_norm_matches_pytorch(rng, norm_type, max_norm):
    import torch

    grads = [rng.standard_normal(s).astype(np.float32) for s in [(5, 3), (3,), (2, 4, 2)]]
    params = with_grads(grads)
    tparams = [torch.nn.Parameter(torch.zeros(g.shape)) for g in grads]
    for p, g in zip(tparams, grads):
        p.grad = torch.tensor(g)
    total = clip_grad_norm_(params, max_norm, norm_type=norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(tparams, max_norm, norm_type=norm_type)
    np.testing.assert_allclose(total.data, ttotal.numpy(), rtol=1e-6)
    for p, q in zip(params, tparams):
        np.testing.assert_allclose(p.grad.data, q.grad.numpy(), rtol=1e-6, atol=1e-7)


# --------------------------------------------------------------------- clip_grad_value_
def test_values_are_clipped_into_the_interval():
    params = with_grads([[-3.0, 0.5, 2.0], [[0.1], [-0.2]]])
    old = params[0].grad.data
    assert clip_grad_value_(params, 1.0) is None
    np.testing.assert_array_equal(params[0].grad.data, np.float32([-1.0, 0.5, 1.0]))
    np.testing.assert_array_equal(params[1].grad.data, np.float32([[0.1], [-0.2]]))
    assert params[0].grad.data is not old
    np.testing.assert_array_equal(old, np.float32([-3.0, 0.5, 2.0]))
    assert params[0].grad.dtype == np.float32


@pytest.mark.parametrize("clip_value", [-1.0, float("nan"), "1"])
def test_bad_clip_value(clip_value):
    with pytest.raises(ValueError, match="clip_grad_value_: clip_value must be a number >= 0"):
        clip_grad_value_(with_grads([[1.0]]), clip_value)


@pytest.mark.oracle
def test_clip_grad_value_matches_pytorch(rng):
    import torch

    grads = [3 * rng.standard_normal(s).astype(np.float32) for s in [(5, 3), (3,)]]
    params = with_grads(grads)
    tparams = [torch.nn.Parameter(torch.zeros(g.shape)) for g in grads]
    for p, g in zip(tparams, grads):
        p.grad = torch.tensor(g)
    clip_grad_value_(params, 1.5)
    torch.nn.utils.clip_grad_value_(tparams, 1.5)
    for p, q in zip(params, tparams):
        np.testing.assert_array_equal(p.grad.data, q.grad.numpy())

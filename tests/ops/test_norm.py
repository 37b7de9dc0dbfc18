"""Tests of scratchdl.ops.norm: batch_norm and layer_norm against finite differences (first and
second order), PyTorch (outputs, gradients and running buffers), their composed ``_reference_``
versions, hand-computed values, and their argument errors."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl.errors import DTypeError, ShapeError
from scratchdl.nn import functional as F
from scratchdl.ops.norm import _reference_batch_norm, _reference_layer_norm
from tests._harness.gradients import check_gradients
from tests._harness.oracle import compare_with_torch

DTYPES = [np.float64, np.float32]
SHAPES = [(5, 3), (4, 3, 6), (3, 4, 5, 2), (1, 2, 3)]  # the last: N = 1, still 3 values each
AFFINE = ["weight_bias", "weight", "bias", "none"]


def _torch_f():
    import torch.nn.functional as TF

    return TF


def _bn_data(rng, shape):
    """x (shifted and scaled, so that the normalization does something), γ, β and running
    statistics for a channel count shape[1]."""
    c = shape[1]
    x = rng.standard_normal(shape) * 2.0 + 1.5
    running = rng.standard_normal(c), rng.uniform(0.5, 2.0, c)
    return x, rng.standard_normal(c), rng.standard_normal(c), running


def _bn_fn(affine, training, running):
    """A function of (x, γ, β) for check_gradients; γ and β are dropped per ``affine``. Each
    call gets fresh copies of the running statistics."""

    def fn(x, w, b):
        rm, rv = (np.array(r, dtype=x.dtype) for r in running)
        w = w if "weight" in affine else None
        b = b if "bias" in affine else None
        return F.batch_norm(x, rm, rv, w, b, training=training, momentum=0.3, eps=1e-3)

    return fn


# ----------------------------------------------------------------------------- batch_norm
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("affine", AFFINE)
@pytest.mark.parametrize("shape", SHAPES, ids=str)
def test_batch_norm_gradients(rng, shape, affine, training):
    x, w, b, running = _bn_data(rng, shape)
    check_gradients(_bn_fn(affine, training, running), x, w, b, double=True)


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("affine", ["weight_bias", "none"])
@pytest.mark.parametrize("shape", SHAPES[:3] + [(16, 8, 7, 9)], ids=str)
def test_batch_norm_matches_torch(rng, shape, affine, training, dtype):
    """Outputs, the gradients of x, γ and β, and the updated running buffers."""
    import torch

    x, w, b, (rm, rv) = _bn_data(rng, shape)
    buffers = {
        "sd": [rm.astype(dtype), rv.astype(dtype)],
        "torch": [torch.tensor(rm.astype(dtype)), torch.tensor(rv.astype(dtype))],
    }
    options = {"training": training, "momentum": 0.3, "eps": 1e-3}

    def ours(x, w, b):
        w, b = (w, b) if affine == "weight_bias" else (None, None)
        return F.batch_norm(x, *buffers["sd"], w, b, **options)

    def theirs(x, w, b):
        w, b = (w, b) if affine == "weight_bias" else (None, None)
        return _torch_f().batch_norm(x, *buffers["torch"], w, b, **options)

    compare_with_torch(ours, theirs, x, w, b, dtype=dtype)
    atol, rtol = (1e-12, 1e-10) if dtype == np.float64 else (1e-6, 1e-5)
    for got, expected in zip(buffers["sd"], buffers["torch"]):
        assert got.dtype == dtype
        np.testing.assert_allclose(got, expected.numpy(), atol=atol, rtol=rtol)


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
@pytest.mark.parametrize("shape", [(5, 3), (3, 4, 5, 2)], ids=str)
def test_fused_batch_norm_equals_reference(rng, shape, training):
    x, w, b, running = _bn_data(rng, shape)
    results = []
    for fn in (F.batch_norm, _reference_batch_norm):
        buffers = [r.copy() for r in running]
        inputs = [sd.tensor(a, requires_grad=True) for a in (x, w, b)]
        out = fn(inputs[0], *buffers, inputs[1], inputs[2], training=training, momentum=0.2)
        g = sd.tensor(np.random.default_rng(3).standard_normal(shape))
        grads = sd.autograd.grad(out, inputs, grad_outputs=g, create_graph=True)
        # Second derivatives: d/d(x, γ) of sum(dx * v).
        v = sd.tensor(np.random.default_rng(4).standard_normal(shape))
        second = sd.autograd.grad((grads[0] * v).sum(), inputs[:2], allow_unused=True)
        second = [np.zeros(1) if t is None else t.data for t in second]  # eval: dx ignores x
        results.append([out.data, *buffers, *(t.data for t in grads), *second])
    for fused, reference in zip(*results):
        np.testing.assert_allclose(fused, reference, rtol=1e-9, atol=1e-11)


def test_batch_norm_golden_values():
    """Channel 0 holds [1, 3] (mean 2, biased variance 1, unbiased 2); channel 1 ten times that."""
    x = sd.tensor([[1.0, 10.0], [3.0, 30.0]], dtype="float64", requires_grad=True)
    mean, var = np.zeros(2), np.ones(2)
    y = F.batch_norm(x, mean, var, training=True, eps=0.0)
    np.testing.assert_allclose(y.data, [[-1.0, -1.0], [1.0, 1.0]])
    np.testing.assert_allclose(mean, [0.2, 2.0])  # 0.9 * 0 + 0.1 * [2, 20]
    np.testing.assert_allclose(var, [1.1, 20.9])  # 0.9 * 1 + 0.1 * [2, 200]
    # y * [1, 2] summed: dx = γ s (g - mean(g) - x̂ mean(g x̂)) with g = [[1, 2], [1, 2]] is 0,
    # the constant shift of a normalized group does not change it.
    (y * sd.tensor([1.0, 2.0], dtype="float64")).sum().backward()
    np.testing.assert_allclose(x.grad.data, np.zeros((2, 2)), atol=1e-15)
    # Evaluation: (x - running_mean) / sqrt(running_var) with the buffers just updated.
    y = F.batch_norm(sd.tensor([[1.3, 2.0]], dtype="float64"), mean, var, eps=0.0)
    np.testing.assert_allclose(y.data, [[1.1 / np.sqrt(1.1), 0.0]])


def test_batch_norm_running_buffers_of_tensors_are_updated_in_place(rng):
    x = sd.tensor(rng.standard_normal((6, 3)).astype(np.float32))
    mean, var = sd.zeros(3), sd.ones(3)
    arrays = mean.data, var.data
    F.batch_norm(x, mean, var, training=True)
    assert mean.data is arrays[0] and var.data is arrays[1]
    np.testing.assert_allclose(mean.data, 0.1 * x.data.mean(axis=0), rtol=1e-5)
    np.testing.assert_allclose(var.data, 0.9 + 0.1 * x.data.var(axis=0, ddof=1), rtol=1e-5)
    assert mean.dtype == np.float32 and var.dtype == np.float32
    # training without buffers is allowed; evaluation leaves them untouched
    F.batch_norm(x, None, None, training=True)
    before = mean.data.copy()
    F.batch_norm(x, mean, var, training=False)
    np.testing.assert_array_equal(mean.data, before)


@pytest.mark.parametrize("training", [True, False], ids=["train", "eval"])
def test_batch_norm_float32_without_upcast_and_no_grad_path(rng, training):
    """float32 in, float32 out even with float64 buffers; the in-place forward used without a
    graph gives the same values as the recording one."""
    x = rng.standard_normal((8, 3, 5)).astype(np.float32)
    w, b = (sd.tensor(rng.standard_normal(3).astype(np.float32)) for _ in range(2))
    buffers = np.zeros(3), np.ones(3)
    recorded = F.batch_norm(sd.tensor(x, requires_grad=True), *buffers, w, b, training=training)
    with sd.no_grad():
        plain = F.batch_norm(sd.tensor(x), np.zeros(3), np.ones(3), w, b, training=training)
    assert recorded.dtype == np.float32 and plain.dtype == np.float32
    np.testing.assert_allclose(plain.data, recorded.data, rtol=1e-6, atol=1e-6)


def test_batch_norm_empty_batch_leaves_buffers():
    mean, var = np.zeros(3), np.ones(3)
    y = F.batch_norm(sd.tensor(np.zeros((0, 3))), mean, var, training=True)
    assert y.shape == (0, 3)
    np.testing.assert_array_equal(mean, np.zeros(3))
    np.testing.assert_array_equal(var, np.ones(3))


# ----------------------------------------------------------------------------- layer_norm
# (id, x shape, normalized_shape)
LN_CASES = [
    ("last", (4, 5), 5),
    ("two_axes", (2, 3, 4), (3, 4)),
    ("btd", (2, 3, 4), (4,)),
    ("unbatched", (6,), [6]),
    ("width_one", (3, 1), 1),
]


def _ln_fn(normalized_shape, affine, module=None):
    def fn(x, w, b):
        layer_norm = F.layer_norm if module is None else module.layer_norm
        w = w if "weight" in affine else None
        b = b if "bias" in affine else None
        return layer_norm(x, normalized_shape, w, b, eps=1e-3)

    return fn


def _ln_data(rng, shape, normalized_shape):
    p_shape = (normalized_shape,) if isinstance(normalized_shape, int) else tuple(normalized_shape)
    x = rng.standard_normal(shape) * 2.0 + 1.5
    return x, rng.standard_normal(p_shape), rng.standard_normal(p_shape)


@pytest.mark.parametrize("affine", AFFINE)
@pytest.mark.parametrize("case, shape, normalized_shape", LN_CASES, ids=[c[0] for c in LN_CASES])
def test_layer_norm_gradients(rng, case, shape, normalized_shape, affine):
    x, w, b = _ln_data(rng, shape, normalized_shape)
    check_gradients(_ln_fn(normalized_shape, affine), x, w, b, double=True)


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("affine", ["weight_bias", "none"])
@pytest.mark.parametrize("case, shape, normalized_shape", LN_CASES, ids=[c[0] for c in LN_CASES])
def test_layer_norm_matches_torch(rng, case, shape, normalized_shape, affine, dtype):
    x, w, b = _ln_data(rng, shape, normalized_shape)
    torch_shape = (normalized_shape,) if isinstance(normalized_shape, int) else normalized_shape
    compare_with_torch(
        _ln_fn(normalized_shape, affine),
        _ln_fn(tuple(torch_shape), affine, module=_torch_f()),
        x,
        w,
        b,
        dtype=dtype,
    )


@pytest.mark.parametrize("case, shape, normalized_shape", LN_CASES, ids=[c[0] for c in LN_CASES])
def test_fused_layer_norm_equals_reference(rng, case, shape, normalized_shape):
    x, w, b = _ln_data(rng, shape, normalized_shape)
    results = []
    for fn in (F.layer_norm, _reference_layer_norm):
        inputs = [sd.tensor(a, requires_grad=True) for a in (x, w, b)]
        out = fn(inputs[0], normalized_shape, inputs[1], inputs[2])
        g = sd.tensor(np.random.default_rng(3).standard_normal(shape))
        grads = sd.autograd.grad(out, inputs, grad_outputs=g, create_graph=True)
        v = sd.tensor(np.random.default_rng(4).standard_normal(shape))
        second = sd.autograd.grad((grads[0] * v).sum(), inputs[:2])
        results.append([out.data, *(t.data for t in grads + second)])
    for fused, reference in zip(*results):
        np.testing.assert_allclose(fused, reference, rtol=1e-9, atol=1e-11)


def test_layer_norm_golden_and_float32():
    x = sd.tensor([[1.0, 3.0], [10.0, 30.0]], requires_grad=True)
    y = F.layer_norm(x, 2, weight=sd.tensor([2.0, 1.0]), eps=0.0)
    assert y.dtype == np.float32
    np.testing.assert_allclose(y.data, [[-2.0, 1.0], [-2.0, 1.0]])
    y.sum().backward()  # g' = [2, 1]: dx = s (g' - 1.5 - x̂ * (-0.5)) = s [0, 0]
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad.data, np.zeros((2, 2)), atol=1e-6)


# ----------------------------------------------------------------------------- errors
def test_batch_norm_bad_inputs():
    x = sd.tensor(np.zeros((4, 3, 2), np.float32))
    message = (
        r"running_mean must hold one value per channel, shape \(3,\), for input shape \(4, 3, 2"
    )
    with pytest.raises(ShapeError, match=rf"batch_norm: {message}.*received.*shape \(5,\)"):
        F.batch_norm(x, np.zeros(5), np.ones(3))
    message = r"weight must have shape \(3,\) .*C=3 on axis 1\); received weight shape \(4,\)"
    with pytest.raises(ShapeError, match=rf"batch_norm: {message} for input shape \(4, 3, 2\)"):
        F.batch_norm(x, None, None, weight=np.ones(4, np.float32), training=True)
    with pytest.raises(ShapeError, match=r"batch_norm: bias must have shape \(3,\)"):
        F.batch_norm(x, None, None, bias=np.ones((3, 1), np.float32), training=True)
    with pytest.raises(
        ValueError,
        match=r"batch_norm: expected more than 1 value per channel when training; received "
        r"input shape \(1, 3\)",
    ):
        F.batch_norm(sd.tensor(np.zeros((1, 3))), None, None, training=True)
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.batch_norm(sd.tensor(np.zeros((1, 3, 1))), None, None, training=True)
    with pytest.raises(ValueError, match="running_mean and running_var are needed when training"):
        F.batch_norm(x, None, None)
    with pytest.raises(ShapeError, match=r"batch_norm: expected input of shape \(N, C\).*\(3,\)"):
        F.batch_norm(sd.tensor(np.zeros(3)), np.zeros(3), np.ones(3))
    with pytest.raises(DTypeError, match="batch_norm: input must be a floating tensor"):
        F.batch_norm(sd.tensor([[1, 2], [3, 4]]), None, None, training=True)
    with pytest.raises(DTypeError, match="batch_norm: running_var must be floating"):
        F.batch_norm(x, np.zeros(3), np.ones(3, np.int64))
    with pytest.raises(TypeError, match="batch_norm: momentum must be a real number"):
        F.batch_norm(x, None, None, training=True, momentum=None)


def test_layer_norm_bad_inputs():
    x = sd.tensor(np.zeros((2, 3, 4), np.float32))
    message = r"normalized_shape \(3,\) must equal the last 1 axes of the input; received input"
    with pytest.raises(ShapeError, match=rf"layer_norm: {message} shape \(2, 3, 4\)"):
        F.layer_norm(x, 3)
    with pytest.raises(ShapeError, match=r"normalized_shape \(2, 3, 4, 5\) must equal"):
        F.layer_norm(x, (2, 3, 4, 5))
    message = r"weight must have shape \(3, 4\) .*received weight shape \(4,\)"
    with pytest.raises(ShapeError, match=rf"layer_norm: {message}"):
        F.layer_norm(x, (3, 4), weight=np.ones(4, np.float32))
    with pytest.raises(ValueError, match="layer_norm: normalized_shape must name at least one"):
        F.layer_norm(x, ())
    with pytest.raises(TypeError, match="layer_norm: normalized_shape must be an int or a tuple"):
        F.layer_norm(x, 4.0)

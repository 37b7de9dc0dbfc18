"""Tests of ops/conv.py: conv2d, conv_transpose2d, conv1d, im2col/col2im."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
import scratchdl.nn.functional as F
from scratchdl.errors import DTypeError, ShapeError
from scratchdl.ops.conv import (
    _reference_conv2d,
    conv1d,
    conv2d,
    conv_transpose2d,
)
from tests._harness.gradients import check_gradients
from tests._harness.oracle import compare_with_torch

# (x shape, weight shape, bias, kwargs). Small shapes: every case runs gradgradcheck.
CONV2D = [
    ((1, 1, 4, 4), (1, 1, 3, 3), False, {}),
    ((2, 3, 5, 4), (2, 3, 3, 2), True, {}),
    ((2, 2, 5, 5), (3, 2, 3, 3), True, {"stride": 2}),
    ((1, 2, 5, 6), (2, 2, 3, 3), False, {"padding": 1}),
    ((2, 2, 4, 5), (2, 2, 2, 3), True, {"padding": (1, 2), "stride": (2, 1)}),
    ((1, 2, 5, 5), (2, 2, 2, 2), True, {"padding": "same"}),
    ((1, 2, 6, 5), (2, 2, 3, 2), False, {"padding": "same", "dilation": 2}),
    ((2, 2, 6, 6), (2, 2, 2, 2), True, {"dilation": 2, "stride": 2, "padding": 1}),
    ((2, 4, 4, 4), (4, 2, 3, 3), True, {"groups": 2, "padding": 1}),
    ((1, 4, 5, 4), (4, 1, 2, 3), False, {"groups": 4, "padding": "valid"}),
    ((2, 4, 6, 5), (6, 2, 3, 2), True, {"groups": 2, "stride": 2, "dilation": (2, 1)}),
    # Wide rows: stride-1 convs here take the flat-columns route (see _flat_cols).
    ((1, 2, 3, 16), (2, 2, 3, 3), True, {"padding": 1}),
    ((1, 2, 3, 17), (2, 2, 2, 2), False, {"padding": "same"}),
    ((1, 4, 2, 32), (4, 2, 3, 3), True, {"groups": 2, "padding": 2, "dilation": 2}),
    ((2, 3, 2, 5), (4, 3, 1, 1), False, {}),
]

# (x shape, weight shape (C_in, C_out/groups, KH, KW), bias, kwargs)
CONV_T = [
    ((1, 1, 3, 3), (1, 1, 3, 3), False, {}),
    ((2, 2, 3, 2), (2, 3, 2, 3), True, {"stride": 2}),
    ((2, 2, 3, 3), (2, 2, 3, 3), True, {"stride": 2, "padding": 1, "output_padding": 1}),
    ((1, 2, 2, 3), (2, 1, 3, 2), False, {"stride": (2, 3), "padding": (1, 0)}),
    ((1, 2, 3, 2), (2, 2, 2, 2), True, {"stride": (3, 2), "output_padding": (2, 1)}),
    ((2, 4, 3, 3), (4, 1, 3, 3), True, {"groups": 2, "padding": 1}),
    ((1, 2, 3, 3), (2, 2, 2, 3), True, {"dilation": 2, "stride": 2, "output_padding": 1}),
    ((1, 2, 5, 5), (2, 2, 2, 2), False, {"padding": 2}),  # stride 1, too much padding to flip
    ((1, 2, 2, 16), (2, 2, 3, 3), True, {"padding": 1}),  # stride 1 as a flipped conv, flat
]

# (x shape, weight shape, bias, kwargs)
CONV1D = [
    ((2, 3, 8), (4, 3, 3), True, {}),
    ((1, 2, 9), (2, 2, 4), False, {"stride": 2, "padding": 1}),
    ((2, 2, 7), (2, 2, 2), True, {"padding": "same", "dilation": 3}),
    ((2, 4, 6), (2, 2, 3), True, {"groups": 2, "dilation": 2}),
]


def _ids(table):
    return [f"{x}-{w}-{'b' if b else 'nob'}-{kw}" for x, w, b, kw in table]


def _arrays(rng, xs, ws, bias, out_ch):
    arrays = [rng.standard_normal(xs), rng.standard_normal(ws)]
    if bias:
        arrays.append(rng.standard_normal(out_ch))
    return arrays


# ---- finite differences, first and second order --------------------------------------------


@pytest.mark.parametrize(("xs", "ws", "bias", "kw"), CONV2D, ids=_ids(CONV2D))
def test_conv2d_gradients(rng, xs, ws, bias, kw):
    arrays = _arrays(rng, xs, ws, bias, ws[0])
    check_gradients(lambda *t: conv2d(*t, **kw), *arrays, double=True)


@pytest.mark.parametrize(("xs", "ws", "bias", "kw"), CONV_T, ids=_ids(CONV_T))
def test_conv_transpose2d_gradients(rng, xs, ws, bias, kw):
    arrays = _arrays(rng, xs, ws, bias, ws[1] * kw.get("groups", 1))
    check_gradients(lambda *t: conv_transpose2d(*t, **kw), *arrays, double=True)


@pytest.mark.parametrize(("xs", "ws", "bias", "kw"), CONV1D, ids=_ids(CONV1D))
def test_conv1d_gradients(rng, xs, ws, bias, kw):
    arrays = _arrays(rng, xs, ws, bias, ws[0])
    check_gradients(lambda *t: conv1d(*t, **kw), *arrays, double=True)


def test_conv2d_gradients_of_one_input(rng):
    x, w = rng.standard_normal((2, 2, 4, 4)), rng.standard_normal((3, 2, 2, 2))
    check_gradients(lambda a, b: conv2d(a, b, stride=2), x, w, grad_inputs=(0,), double=True)
    check_gradients(lambda a, b: conv2d(a, b, padding=1), x, w, grad_inputs=(1,), double=True)


def test_conv2d_backward_twice_with_retained_graph(rng):
    x = sd.tensor(rng.standard_normal((2, 2, 5, 5)), requires_grad=True)
    w = sd.tensor(rng.standard_normal((3, 2, 3, 3)), requires_grad=True)
    y = conv2d(x, w, padding=1).sum()
    (g1,) = sd.autograd.grad(y, [w], retain_graph=True)
    (g2,) = sd.autograd.grad(y, [w])
    np.testing.assert_allclose(g1.data, g2.data)


@pytest.mark.parametrize(
    ("op", "xs", "ws", "kw"),
    [
        (conv2d, (5, 6, 7, 7), (4, 3, 3, 3), {"padding": 1, "groups": 2}),
        (conv2d, (5, 6, 7, 7), (4, 6, 3, 3), {"stride": 2, "dilation": 2}),
        (conv2d, (5, 6, 3, 16), (4, 6, 3, 3), {"padding": 1}),  # flat columns
        (conv_transpose2d, (5, 6, 7, 7), (6, 2, 3, 3), {"stride": 2, "padding": 1, "groups": 2}),
    ],
)
def test_chunks_of_samples_give_the_same_result(rng, monkeypatch, op, xs, ws, kw):
    # The batch is processed in chunks when the im2col columns exceed the budget; a budget of
    # one byte forces one sample per chunk, which must not change any value.
    x = rng.standard_normal(xs).astype(np.float32)
    w, g = rng.standard_normal(ws).astype(np.float32), None

    def run():
        xt, wt = sd.tensor(x, requires_grad=True), sd.tensor(w, requires_grad=True)
        y = op(xt, wt, **kw)
        nonlocal g
        g = rng.standard_normal(y.shape).astype(np.float32) if g is None else g
        y.backward(sd.tensor(g))
        return y.data, xt.grad.data, wt.grad.data

    whole = run()
    monkeypatch.setattr("scratchdl.ops.conv._COLUMN_BUDGET", 1)
    chunked = run()
    for a, b in zip(whole, chunked):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)


# ---- PyTorch oracle --------------------------------------------------------------------------


@pytest.mark.oracle
@pytest.mark.filterwarnings("ignore:Using padding='same'")  # torch's own note on even kernels
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("xs", "ws", "bias", "kw"), CONV2D, ids=_ids(CONV2D))
def test_conv2d_matches_torch(rng, xs, ws, bias, kw, dtype):
    import torch.nn.functional as TF

    arrays = _arrays(rng, xs, ws, bias, ws[0])
    compare_with_torch(
        lambda *t: F.conv2d(*t, **kw), lambda *t: TF.conv2d(*t, **kw), *arrays, dtype=dtype
    )


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("xs", "ws", "bias", "kw"), CONV_T, ids=_ids(CONV_T))
def test_conv_transpose2d_matches_torch(rng, xs, ws, bias, kw, dtype):
    import torch.nn.functional as TF

    arrays = _arrays(rng, xs, ws, bias, ws[1] * kw.get("groups", 1))
    compare_with_torch(
        lambda *t: F.conv_transpose2d(*t, **kw),
        lambda *t: TF.conv_transpose2d(*t, **kw),
        *arrays,
        dtype=dtype,
    )


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(("xs", "ws", "bias", "kw"), CONV1D, ids=_ids(CONV1D))
def test_conv1d_matches_torch(rng, xs, ws, bias, kw, dtype):
    import torch.nn.functional as TF

    arrays = _arrays(rng, xs, ws, bias, ws[0])
    compare_with_torch(
        lambda *t: F.conv1d(*t, **kw), lambda *t: TF.conv1d(*t, **kw), *arrays, dtype=dtype
    )


@pytest.mark.oracle
def test_conv2d_second_derivative_matches_torch(rng):
    # A WGAN-GP style penalty: the gradient norm w.r.t. the input, differentiated w.r.t. W.
    import torch
    import torch.nn.functional as TF

    x, w = rng.standard_normal((2, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3))
    kw = {"stride": 2, "padding": 1}
    xs, ws = sd.tensor(x, requires_grad=True), sd.tensor(w, requires_grad=True)
    (dx,) = sd.autograd.grad(sd.tanh(conv2d(xs, ws, **kw)).sum(), [xs], create_graph=True)
    (dx * dx).sum().backward()
    xt, wt = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    (dxt,) = torch.autograd.grad(torch.tanh(TF.conv2d(xt, wt, **kw)).sum(), xt, create_graph=True)
    (dxt * dxt).sum().backward()
    np.testing.assert_allclose(ws.grad.data, wt.grad.numpy(), rtol=1e-10, atol=1e-10)
    np.testing.assert_allclose(xs.grad.data, xt.grad.numpy(), rtol=1e-10, atol=1e-10)


# ---- fused vs reference, adjointness, shapes -------------------------------------------------


@pytest.mark.parametrize(("xs", "ws", "bias", "kw"), CONV2D, ids=_ids(CONV2D))
def test_conv2d_matches_reference(rng, xs, ws, bias, kw):
    arrays = _arrays(rng, xs, ws, bias, ws[0])
    got = conv2d(*[sd.tensor(a) for a in arrays], **kw).data
    np.testing.assert_allclose(got, _reference_conv2d(*arrays, **kw), rtol=1e-12, atol=1e-12)


def test_conv2d_golden_and_float32():
    x = sd.tensor(np.arange(9, dtype=np.float32).reshape(1, 1, 3, 3), requires_grad=True)
    w = sd.tensor(np.ones((1, 1, 2, 2), dtype=np.float32), requires_grad=True)
    y = conv2d(x, w)
    np.testing.assert_array_equal(y.data, [[[[8.0, 12.0], [20.0, 24.0]]]])
    assert y.dtype == np.float32
    y.sum().backward()
    np.testing.assert_array_equal(x.grad.data[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])
    np.testing.assert_array_equal(w.grad.data[0, 0], [[8, 12], [20, 24]])


def test_functional_exports():
    assert F.conv2d is conv2d and F.conv1d is conv1d and F.conv_transpose2d is conv_transpose2d
    assert {"conv1d", "conv2d", "conv_transpose2d"} <= set(F.__all__)


# ---- error messages --------------------------------------------------------------------------


def test_conv2d_errors_name_op_and_shapes():
    x = sd.ones(2, 3, 5, 5)
    with pytest.raises(
        ShapeError, match=r"conv2d: channel mismatch.*\(2, 3, 5, 5\).*\(4, 2, 3, 3\)"
    ):
        conv2d(x, sd.ones(4, 2, 3, 3))
    with pytest.raises(ShapeError, match=r"conv2d: groups=2 must divide.*input channels \(3\)"):
        conv2d(x, sd.ones(4, 1, 3, 3), groups=2)
    with pytest.raises(ShapeError, match=r"conv2d: groups=3 must divide.*output channels \(4\)"):
        conv2d(x, sd.ones(4, 1, 3, 3), groups=3)
    with pytest.raises(ShapeError, match=r"conv2d: kernel larger than the padded input"):
        conv2d(x, sd.ones(4, 3, 6, 3))
    with pytest.raises(ShapeError, match=r"conv2d: kernel larger.*dilation \(3, 1\)"):
        conv2d(x, sd.ones(4, 3, 3, 3), dilation=(3, 1))
    with pytest.raises(ShapeError, match=r"conv2d: expected input \(N, C, H, W\)"):
        conv2d(sd.ones(3, 5, 5), sd.ones(4, 3, 3, 3))
    with pytest.raises(ShapeError, match=r"conv2d: bias must have shape \(4,\)"):
        conv2d(x, sd.ones(4, 3, 3, 3), sd.ones(3))
    with pytest.raises(DTypeError, match="conv2d: input, weight and bias must have the same"):
        conv2d(x, sd.tensor(np.ones((4, 3, 3, 3))))
    with pytest.raises(ValueError, match="conv2d: padding='same' needs stride 1"):
        conv2d(x, sd.ones(4, 3, 3, 3), stride=2, padding="same")
    with pytest.raises(ValueError, match="conv2d: padding must be an int, a pair"):
        conv2d(x, sd.ones(4, 3, 3, 3), padding="full")
    with pytest.raises(TypeError, match="conv2d: stride must be an int or a pair"):
        conv2d(x, sd.ones(4, 3, 3, 3), stride=(1, 2, 3))


def test_conv_transpose2d_and_conv1d_errors():
    x = sd.ones(1, 2, 3, 3)
    with pytest.raises(ShapeError, match=r"conv_transpose2d: channel mismatch.*\(1, 2, 3, 3\)"):
        conv_transpose2d(x, sd.ones(3, 2, 3, 3))
    with pytest.raises(ShapeError, match="conv_transpose2d: groups=2 must divide"):
        conv_transpose2d(sd.ones(1, 3, 3, 3), sd.ones(3, 2, 3, 3), groups=2)
    with pytest.raises(ValueError, match="conv_transpose2d: output_padding must be smaller"):
        conv_transpose2d(x, sd.ones(2, 2, 3, 3), stride=2, output_padding=2)
    with pytest.raises(ShapeError, match="conv_transpose2d: the output size"):
        conv_transpose2d(sd.ones(1, 2, 1, 1), sd.ones(2, 2, 1, 1), padding=1)
    with pytest.raises(ShapeError, match=r"conv1d: expected input \(N, C, L\)"):
        conv1d(x, sd.ones(2, 2, 3))
    with pytest.raises(TypeError, match="conv1d: stride must be an int"):
        conv1d(sd.ones(1, 2, 5), sd.ones(2, 2, 3), stride=(1, 2))

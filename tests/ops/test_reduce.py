"""Tests of ops/reduce.py: sum mean var std logsumexp, and the axis handling that max min
argmax argmin (ops/extrema.py) share with them."""

from __future__ import annotations

import math

import numpy as np
import pytest

import scratchdl as sd
from scratchdl.errors import ShapeError
from tests._harness.gradients import check_gradients
from tests._harness.oracle import compare_with_torch

# (shape, axis): 0-d, size-1 axes, negative axes, tuples (also unsorted), all axes.
CASES = [
    ((), None),
    ((), ()),
    ((5,), None),
    ((5,), 0),
    ((3, 4), None),
    ((3, 4), 0),
    ((3, 4), -1),
    ((3, 4), (0, 1)),
    ((2, 1, 4), 1),
    ((2, 1, 4), (0, 2)),
    ((2, 3, 4), (-1, 0)),
    ((2, 3, 4), ()),
    ((1, 1), None),
]

REDUCTIONS = {
    "sum": sd.sum,
    "mean": sd.mean,
    "var": sd.var,
    "var_ddof1": lambda x, axis=None, keepdims=False: sd.var(x, axis, ddof=1, keepdims=keepdims),
    "std": sd.std,
    "std_ddof1": lambda x, axis=None, keepdims=False: sd.std(x, axis, ddof=1, keepdims=keepdims),
    "max": sd.max,
    "min": sd.min,
    "logsumexp": sd.logsumexp,
}


def _count(shape, axis):
    if axis is None:
        return math.prod(shape)
    axes = axis if isinstance(axis, tuple) else (axis,)
    return math.prod(shape[a] for a in axes)


def _applicable(cases):
    """(name, case) pairs; ddof=1 needs at least two elements per slice."""
    return [
        pytest.param(name, case, id=f"{name}-{case}")
        for name in REDUCTIONS
        for case in cases
        if not (name.endswith("ddof1") and _count(*case) < 2)
    ]


@pytest.mark.parametrize(("name", "case"), _applicable(CASES))
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_gradients(rng, name, case, keepdims):
    shape, axis = case
    x = rng.standard_normal(shape)  # continuous values: no ties for max/min
    fn = REDUCTIONS[name]
    check_gradients(lambda t: fn(t, axis=axis, keepdims=keepdims), x, double=True)


def test_output_shapes_follow_numpy(rng):
    x = rng.standard_normal((2, 3, 4))
    for shape, axis in CASES:
        a = rng.standard_normal(shape)
        for keepdims in (False, True):
            expected = np.sum(a, axis=axis, keepdims=keepdims).shape
            for name, fn in REDUCTIONS.items():
                if name.endswith("ddof1"):
                    continue
                got = fn(sd.tensor(a), axis=axis, keepdims=keepdims).shape
                assert got == expected, (name, shape, axis, keepdims)
    np.testing.assert_allclose(sd.tensor(x).var(axis=(0, 2), ddof=1).data, x.var((0, 2), ddof=1))


# ---------------------------------------------------------------------------- PyTorch oracle
def _dims(shape, axis):
    if axis is None:
        return tuple(range(len(shape)))
    return axis


def _torch_reduction(name, dims, keepdims):
    import torch

    return {
        "sum": lambda t: torch.sum(t, dim=dims, keepdim=keepdims),
        "mean": lambda t: torch.mean(t, dim=dims, keepdim=keepdims),
        "var": lambda t: torch.var(t, dim=dims, correction=0, keepdim=keepdims),
        "var_ddof1": lambda t: torch.var(t, dim=dims, correction=1, keepdim=keepdims),
        "std": lambda t: torch.std(t, dim=dims, correction=0, keepdim=keepdims),
        "std_ddof1": lambda t: torch.std(t, dim=dims, correction=1, keepdim=keepdims),
        "max": lambda t: torch.amax(t, dim=dims, keepdim=keepdims),
        "min": lambda t: torch.amin(t, dim=dims, keepdim=keepdims),
        "logsumexp": lambda t: torch.logsumexp(t, dim=dims, keepdim=keepdims),
    }[name]


ORACLE_CASES = [((3, 4), None), ((3, 4), -1), ((2, 3, 4), (0, 2)), ((2, 1, 4), 1), ((5,), 0)]


@pytest.mark.oracle
@pytest.mark.parametrize(("name", "case"), _applicable(ORACLE_CASES))
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_reduction_matches_torch(rng, name, case, keepdims, dtype):
    shape, axis = case
    x = rng.standard_normal(shape)
    fn = REDUCTIONS[name]
    compare_with_torch(
        lambda t: fn(t, axis=axis, keepdims=keepdims),
        _torch_reduction(name, _dims(shape, axis), keepdims),
        x,
        dtype=dtype,
    )


@pytest.mark.oracle
@pytest.mark.parametrize("layout", ["strided", "transposed"])
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)])
@pytest.mark.parametrize("name", ["sum", "mean", "var_ddof1", "std", "max", "logsumexp"])
def test_non_contiguous_input_matches_torch(rng, name, axis, layout):
    shape = (3, 4, 5)
    compare_with_torch(
        lambda t: REDUCTIONS[name](t, axis=axis),
        _torch_reduction(name, _dims(shape, axis), False),
        rng.standard_normal(shape),
        dtype=np.float32,
        layout=layout,
    )


@pytest.mark.oracle
@pytest.mark.parametrize("name", ["std", "std_ddof1", "var"])
def test_constant_slices_match_torch(name):
    x = np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])  # row 0 has std 0: gradient 0, not nan
    compare_with_torch(lambda t: REDUCTIONS[name](t, axis=1), _torch_reduction(name, 1, False), x)


@pytest.mark.oracle
def test_logsumexp_extremes_match_torch():
    import torch

    x = np.array([[1000.0, 1000.0, -1000.0], [-np.inf, -np.inf, -np.inf], [np.inf, 0.0, 1.0]])
    expected = torch.logsumexp(torch.tensor(x), dim=1).numpy()
    got = sd.logsumexp(sd.tensor(x), axis=1).data
    np.testing.assert_array_equal(got, expected)
    assert got[0] == 1000.0 + math.log(2.0)


@pytest.mark.oracle
@pytest.mark.filterwarnings("ignore:var.*degrees of freedom:UserWarning")
def test_var_with_no_degrees_of_freedom_matches_torch_forward():
    import torch

    x = np.array([1.0, 2.0, 4.0])
    with pytest.warns(RuntimeWarning, match="ddof=3"):
        got = sd.var(sd.tensor(x), ddof=3)
    expected = torch.var(torch.tensor(x), correction=3)
    assert got.item() == expected.item() == math.inf
    with pytest.warns(RuntimeWarning, match="degrees of freedom"):
        assert np.isnan(sd.std(sd.tensor([5.0, 5.0]), ddof=2).item())


# ---------------------------------------------------------------------------- golden values
def _grad(fn, x, g=None):
    x = sd.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    y = fn(x)
    y.backward(None if g is None else sd.tensor(np.asarray(g, dtype=np.float64)))
    return y.data, x.grad.data


def test_sum_golden():
    y, dx = _grad(lambda x: sd.sum(x, axis=0), [[1.0, 2.0], [3.0, 4.0]], g=[1.0, 2.0])
    np.testing.assert_array_equal(y, [4.0, 6.0])
    np.testing.assert_array_equal(dx, [[1.0, 2.0], [1.0, 2.0]])


def test_mean_golden():
    y, dx = _grad(lambda x: x.mean(axis=1), [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], g=[3.0, 6.0])
    np.testing.assert_array_equal(y, [2.0, 5.0])
    np.testing.assert_array_equal(dx, [[1.0, 1.0, 1.0], [2.0, 2.0, 2.0]])


def test_var_golden():
    # mean 2.5, deviations (-1.5, -0.5, 0.5, 1.5), squares sum to 5.
    y, dx = _grad(sd.var, [1.0, 2.0, 3.0, 4.0])
    assert y == 1.25
    np.testing.assert_array_equal(dx, [-0.75, -0.25, 0.25, 0.75])  # 2 (x - 2.5) / 4
    y, dx = _grad(lambda x: sd.var(x, ddof=1), [1.0, 2.0, 3.0, 4.0])
    np.testing.assert_allclose(y, 5.0 / 3.0, rtol=1e-15)
    np.testing.assert_allclose(dx, [-1.0, -1.0 / 3.0, 1.0 / 3.0, 1.0], rtol=1e-15)  # 2 (x-2.5)/3


def test_std_golden():
    # mean 4, variance (9 + 1 + 1 + 9) / 4 = 5; dx = (x - 4) / (4 sqrt 5).
    y, dx = _grad(sd.std, [1.0, 3.0, 5.0, 7.0])
    np.testing.assert_allclose(y, math.sqrt(5.0), rtol=1e-15)
    np.testing.assert_allclose(dx, np.array([-3.0, -1.0, 1.0, 3.0]) / (4 * math.sqrt(5.0)))


def test_std_of_constant_has_zero_gradient():
    y, dx = _grad(lambda x: x.std(axis=0), [[3.0, 1.0], [3.0, 2.0]], g=[1.0, 1.0])
    np.testing.assert_array_equal(y, [0.0, 0.5])
    np.testing.assert_array_equal(dx, [[0.0, -0.5], [0.0, 0.5]])
    x = sd.tensor([2.0, 2.0], dtype="float64", requires_grad=True)  # double backward stays finite
    (dx,) = sd.autograd.grad(sd.std(x), [x], create_graph=True)
    (ddx,) = sd.autograd.grad(dx.sum(), [x])
    np.testing.assert_array_equal(ddx.data, [0.0, 0.0])


def test_logsumexp_golden():
    # log(e^0 + e^(log 3)) = log 4; the gradient is the softmax (1/4, 3/4).
    y, dx = _grad(sd.logsumexp, [0.0, math.log(3.0)])
    np.testing.assert_allclose(y, math.log(4.0), rtol=1e-15)
    np.testing.assert_allclose(dx, [0.25, 0.75], rtol=1e-15)
    y, dx = _grad(sd.logsumexp, [1000.0, 1000.0])  # exp(1000) overflows; the shift avoids it
    np.testing.assert_allclose(y, 1000.0 + math.log(2.0), rtol=1e-15)
    np.testing.assert_allclose(dx, [0.5, 0.5], rtol=1e-13)  # y is rounded at magnitude 1000


def test_logsumexp_special_values():
    x = sd.tensor([[-np.inf, -np.inf], [np.inf, 1.0]], dtype="float32")
    np.testing.assert_array_equal(sd.logsumexp(x, axis=1).data, [-np.inf, np.inf])
    empty = sd.logsumexp(sd.zeros((0, 3)), axis=0)
    np.testing.assert_array_equal(empty.data, [-np.inf, -np.inf, -np.inf])


# ---------------------------------------------------------------------------- dtypes and modes
def test_integer_and_boolean_inputs():
    ints = sd.tensor([[1, 2], [3, 4]])
    assert ints.sum().dtype == np.int64 and ints.sum().item() == 10
    assert ints.max(axis=0).dtype == ints.dtype
    assert sd.tensor([True, False, True]).sum().item() == 2
    for fn in (sd.mean, sd.var, sd.std, sd.logsumexp):
        assert fn(ints).dtype == np.float32  # the default float dtype, not float64
    assert ints.mean().item() == 2.5


def test_float32_stays_float32_without_grad(rng):
    x = sd.tensor(rng.standard_normal((4, 5)).astype(np.float32))
    for name, fn in REDUCTIONS.items():
        assert fn(x).dtype == np.float32, name
        assert fn(x, axis=1, keepdims=True).dtype == np.float32, name


def test_no_graph_without_grad(rng):
    x = sd.tensor(rng.standard_normal((3, 4)), requires_grad=True)
    with sd.no_grad():
        for fn in REDUCTIONS.values():
            assert fn(x, axis=0).grad_fn is None
    assert sd.max(x).grad_fn is not None


def test_forward_does_not_alias_input(rng):
    data = rng.standard_normal((2, 3))
    x = sd.tensor(data)
    for fn in REDUCTIONS.values():
        if fn in (REDUCTIONS["var_ddof1"], REDUCTIONS["std_ddof1"]):
            continue
        assert not np.shares_memory(fn(x, axis=()).data, x.data)


def test_accepts_array_like_and_numpy_int_axes():
    assert sd.sum([1.0, 2.0]).item() == 3.0
    np.testing.assert_array_equal(sd.sum(sd.ones((2, 3)), axis=np.int64(1)).data, [3.0, 3.0])
    np.testing.assert_array_equal(sd.sum(sd.ones((2, 3)), axis=[0, 1]).data, 6.0)


@pytest.mark.parametrize("ddof", [np.int64(1), np.float64(1.0), np.float32(0.5), 1.0])
@pytest.mark.parametrize("name", ["var", "std"])
def test_numpy_scalar_ddof_keeps_float32(rng, name, ddof):
    # n - np.float64(1) is a float64 scalar: without converting ddof to a Python number, the
    # float32 forward became float64 and backward raised a dtype mismatch.
    data = rng.standard_normal((3, 4)).astype(np.float32)
    x = sd.tensor(data, requires_grad=True)
    y = getattr(sd, name)(x, axis=1, ddof=ddof)
    assert y.dtype == np.float32
    y.backward(sd.ones_like(y))
    assert x.grad.dtype == np.float32
    expected = getattr(np, name)(data.astype(np.float64), axis=1, ddof=float(ddof))
    np.testing.assert_allclose(y.data, expected, rtol=1e-5)


# ---------------------------------------------------------------------------- errors
@pytest.mark.parametrize("name", ["sum", "mean", "var", "std", "max", "min", "logsumexp"])
def test_axis_out_of_range_names_op_axis_and_shape(name):
    with pytest.raises(ShapeError) as info:
        getattr(sd, name)(sd.ones((3, 4)), axis=2)
    message = str(info.value)
    assert message.startswith(f"{name}:")
    assert "axis 2" in message and "2 dimensions" in message and "(3, 4)" in message
    assert "-2 to 1" in message


def test_axis_errors():
    with pytest.raises(ShapeError, match="axis -3 is out of range"):
        sd.mean(sd.ones((3, 4)), axis=(0, -3))
    with pytest.raises(ShapeError, match="0 dimensions.*use axis=None"):
        sd.sum(sd.tensor(1.0), axis=0)
    with pytest.raises(ShapeError, match="same axis twice"):
        sd.sum(sd.ones((3, 4)), axis=(1, -1))
    with pytest.raises(TypeError, match="axis must be None, an int or a tuple"):
        sd.sum(sd.ones((3, 4)), axis=1.5)
    with pytest.raises(ShapeError, match="argmax: axis 5"):
        sd.argmax(sd.ones((3, 4)), axis=5)
    with pytest.raises(TypeError, match="argmin: axis must be None or a single int"):
        sd.argmin(sd.ones((3, 4)), axis=(0, 1))
    with pytest.raises(TypeError, match="ddof must be a number"):
        sd.var(sd.ones(3), ddof="1")
    with pytest.raises(TypeError, match=r"std: ddof must be a number .*ddof=np.True_"):
        sd.std(sd.ones(3), ddof=np.True_)

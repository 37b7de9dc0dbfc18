"""Tests of ops/arithmetic.py: add sub mul div pow neg maximum minimum where."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import scratchdl as sd
from scratchdl.errors import DTypeError, ShapeError
from tests._harness.gradients import check_gradients
from tests._harness.oracle import compare_with_torch

BINARY = {
    "add": (sd.add, "add"),
    "sub": (sd.sub, "sub"),
    "mul": (sd.mul, "mul"),
    "div": (sd.div, "div"),
    "maximum": (sd.maximum, "maximum"),
    "minimum": (sd.minimum, "minimum"),
}

# Broadcasting in both directions, 0-d, size-1 axes, non-square, batch > 1.
SHAPE_PAIRS = [
    ((), ()),
    ((3,), ()),
    ((), (4,)),
    ((2, 3), (2, 3)),
    ((3, 1), (4,)),
    ((1, 4), (3, 1)),
    ((2, 1, 4), (3, 1)),
    ((5,), (2, 3, 5)),
]


def _operands(rng, shape_a, shape_b, name):
    a = np.asarray(rng.standard_normal(shape_a))  # a 0-d draw is a Python float otherwise
    b = np.asarray(rng.standard_normal(shape_b))
    if name == "div":
        b = np.sign(b) * (np.abs(b) + 0.5)  # away from the pole at 0
    if name in ("maximum", "minimum"):
        b = b + 0.1  # no ties, so the finite differences see a smooth function
    return a, b


@pytest.mark.parametrize("name", list(BINARY))
@pytest.mark.parametrize("shapes", SHAPE_PAIRS, ids=str)
def test_binary_gradients(rng, name, shapes):
    a, b = _operands(rng, *shapes, name)
    check_gradients(BINARY[name][0], a, b, double=True)


@pytest.mark.oracle
@pytest.mark.parametrize("name", list(BINARY))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_binary_matches_torch(rng, name, dtype):
    import torch

    a, b = _operands(rng, (2, 1, 4), (3, 1), name)
    compare_with_torch(BINARY[name][0], getattr(torch, BINARY[name][1]), a, b, dtype=dtype)


@pytest.mark.oracle
def test_operators_match_torch(rng):
    a, b = rng.standard_normal((3, 4)), rng.standard_normal((4,)) + 3.0

    def expression(x, y):
        return (2.0 * x - y / 3.0 + 1.5) * -x / y + 1.0 / (y * y) - 0.5

    compare_with_torch(expression, expression, a, b)


@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3),
    name=st.sampled_from(["add", "sub", "mul", "div"]),
    seed=st.integers(0, 2**16),
)
@settings(max_examples=40, deadline=None)
def test_broadcast_gradients_property(shapes, name, seed):
    """For random broadcast-compatible shape pairs, gradients are summed back correctly."""
    rng = np.random.default_rng(seed)
    a, b = _operands(rng, *shapes.input_shapes, name)
    ta = sd.tensor(a, requires_grad=True)
    tb = sd.tensor(b, requires_grad=True)
    assert sd.gradcheck(BINARY[name][0], [ta, tb])
    out = BINARY[name][0](ta, tb)
    assert out.shape == shapes.result_shape
    out.backward(sd.ones_like(out))
    assert ta.grad.shape == ta.shape and tb.grad.shape == tb.shape


@pytest.mark.parametrize("exponent", [2, 3, 0.5, -1, -2, -0.5, 1, 0, 2.5, -1.7])
def test_pow_scalar_gradients(rng, exponent):
    x = np.abs(rng.standard_normal((3, 2))) + 0.3
    check_gradients(lambda t: t**exponent, x, double=True)


@pytest.mark.oracle
@pytest.mark.parametrize("exponent", [2, 3, 0.5, -1, 2.5])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_pow_scalar_matches_torch(rng, exponent, dtype):
    x = np.abs(rng.standard_normal((4, 3))) + 0.3
    compare_with_torch(lambda t: t**exponent, lambda t: t**exponent, x, dtype=dtype)


def test_pow_tensor_exponent_gradients(rng):
    base = np.abs(rng.standard_normal((3, 1))) + 0.5
    exponent = rng.standard_normal((4,))
    check_gradients(sd.pow, base, exponent, double=True)
    check_gradients(lambda e: 2.0**e, exponent, double=True)


@pytest.mark.oracle
def test_pow_tensor_exponent_matches_torch(rng):
    import torch

    base = np.abs(rng.standard_normal((3, 1))) + 0.5
    exponent = rng.standard_normal((4,))
    compare_with_torch(sd.pow, torch.pow, base, exponent)
    compare_with_torch(lambda e: 3.0**e, lambda e: 3.0**e, exponent)


def test_pow_zero_exponent_and_zero_base_conventions():
    x = sd.tensor([0.0, 2.0], requires_grad=True)
    (x**0).sum().backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 0.0])
    base = sd.tensor([0.0, 0.0], requires_grad=True)
    exponent = sd.tensor([2.0, 0.0], requires_grad=True)
    (base**exponent).sum().backward()
    np.testing.assert_array_equal(exponent.grad.data, [0.0, 0.0])  # flat in b at a = 0


def test_neg_gradients(rng):
    check_gradients(sd.neg, rng.standard_normal((2, 3)), double=True)
    check_gradients(lambda t: -t, rng.standard_normal(()), double=True)


def test_where_gradients(rng):
    condition = rng.standard_normal((3, 4)) > 0
    a, b = rng.standard_normal((3, 1)), rng.standard_normal((4,))
    check_gradients(lambda x, y: sd.where(condition, x, y), a, b, double=True)


@pytest.mark.oracle
def test_where_matches_torch(rng):
    import torch

    condition = rng.standard_normal((3, 4)) > 0
    a, b = rng.standard_normal((3, 1)), rng.standard_normal((4,))
    compare_with_torch(
        lambda x, y: sd.where(condition, x, y),
        lambda x, y: torch.where(torch.tensor(condition), x, y),
        a,
        b,
    )


def test_golden_values():
    a = sd.tensor([2.0, -1.0], requires_grad=True)
    b = sd.tensor([4.0, 0.5], requires_grad=True)
    (a * b + a / b).sum().backward()
    # d/da = b + 1/b, d/db = a - a/b^2
    np.testing.assert_allclose(a.grad.data, [4.25, 2.5])
    np.testing.assert_allclose(b.grad.data, [2.0 - 2.0 / 16.0, -1.0 + 4.0])


def test_maximum_minimum_split_ties():
    a = sd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    b = sd.tensor([2.0, 2.0, 2.0], requires_grad=True)
    sd.maximum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [0.0, 0.5, 1.0])
    np.testing.assert_array_equal(b.grad.data, [1.0, 0.5, 0.0])
    a.grad = b.grad = None
    sd.minimum(a, b).sum().backward()
    np.testing.assert_array_equal(a.grad.data, [1.0, 0.5, 0.0])


def test_python_scalars_keep_float32():
    x = sd.tensor([1.0, 2.0], requires_grad=True)
    for y in (x * 0.1, 0.1 * x, x + 1e-3, x / 3.0, 1.0 - x, x**2.5, 2.0**x):
        assert y.dtype == np.float32
    y = x * 0.1
    y.backward(sd.ones_like(y))
    assert x.grad.dtype == np.float32


def test_integer_tensor_with_float_scalar_gives_default_float():
    assert (sd.tensor([1, 2]) * 0.5).dtype == np.float32
    assert (sd.tensor([1, 2]) + 1).dtype == np.int64


def test_mixed_precision_gradient_keeps_input_dtype():
    a = sd.tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    b = sd.tensor(np.ones(3, dtype=np.float64), requires_grad=True)
    (a * b).sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float64


def test_ndarray_on_the_left_defers_to_tensor():
    x = sd.tensor([1.0, 2.0], requires_grad=True)
    y = np.array([3.0, 4.0], dtype=np.float32) * x
    assert isinstance(y, sd.Tensor) and y.requires_grad


def test_broadcast_error_names_op_and_shapes():
    with pytest.raises(ShapeError, match=r"add: shapes \(3,\) and \(4,\) cannot be broadcast"):
        sd.tensor([1.0, 2.0, 3.0]) + sd.tensor([1.0, 2.0, 3.0, 4.0])
    with pytest.raises(ShapeError, match=r"mul: shapes \(2, 3\) and \(2,\)"):
        sd.ones(2, 3) * sd.ones(2)


def test_where_rejects_non_boolean_condition():
    with pytest.raises(DTypeError, match="where: condition must be a boolean"):
        sd.where(sd.tensor([1.0, 0.0]), 1.0, 2.0)


def test_integer_and_float_tensors_compute_in_float32():
    assert (sd.ones(3) * sd.arange(3)).dtype == np.float32
    assert (sd.arange(3) + sd.ones(3)).dtype == np.float32
    assert (sd.tensor([1, 2]) / 2).dtype == np.float32  # true division, as in PyTorch
    assert (sd.tensor([1, 2]) / sd.tensor([2, 4])).dtype == np.float32
    np.testing.assert_array_equal((sd.tensor([1, 2]) / 2).data, [0.5, 1.0])


def test_zero_d_float64_array_acts_like_a_number():
    x = sd.tensor([1.0, 2.0], requires_grad=True)
    assert (x * np.array(0.5)).dtype == np.float32
    assert (x * np.float64(0.5)).dtype == np.float32


def test_pow_zero_exponent_gradient_at_zero_base():
    base = sd.tensor([0.0, 1.0], requires_grad=True)
    exponent = sd.tensor([0.0, 0.0], requires_grad=True)
    (base**exponent).sum().backward()
    np.testing.assert_array_equal(base.grad.data, [0.0, 0.0])  # torch: [0, 0], not nan


def test_non_broadcast_value_errors_keep_their_meaning():
    with pytest.raises(ValueError, match=r"pow: Integers to negative integer powers") as info:
        sd.tensor([1, 2]) ** sd.tensor(-1)
    assert "broadcast" not in str(info.value)


@given(
    shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=3),
    name=st.sampled_from(["maximum", "minimum", "pow", "where"]),
    seed=st.integers(0, 2**16),
)
@settings(max_examples=40, deadline=None)
def test_broadcast_gradients_property_other_binary_ops(shapes, name, seed):
    rng = np.random.default_rng(seed)
    shape_a, shape_b = shapes.input_shapes
    a = np.asarray(rng.standard_normal(shape_a))
    b = np.asarray(rng.standard_normal(shape_b))
    if name == "pow":
        a = np.abs(a) + 0.5
        fn = sd.pow
    elif name == "where":
        condition = rng.standard_normal(shapes.result_shape) > 0

        def fn(x, y):
            return sd.where(condition, x, y)

    else:
        b = b + 0.1  # no ties
        fn = BINARY[name][0]
    ta, tb = sd.tensor(a, requires_grad=True), sd.tensor(b, requires_grad=True)
    assert sd.gradcheck(fn, [ta, tb])
    assert fn(ta, tb).shape == shapes.result_shape


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_neg_and_cast_match_torch(rng, dtype):
    import torch

    x = rng.standard_normal((3, 2))
    compare_with_torch(sd.neg, torch.neg, x, dtype=dtype)
    compare_with_torch(
        lambda t: t.astype("float64") * 2.0, lambda t: t.to(torch.float64) * 2.0, x, dtype=dtype
    )


@pytest.mark.oracle
@pytest.mark.parametrize("exponent", [0, -2, -0.5, 1])
def test_pow_special_exponents_match_torch(rng, exponent):
    x = np.abs(rng.standard_normal((4, 3))) + 0.3
    compare_with_torch(lambda t: t**exponent, lambda t: t**exponent, x)

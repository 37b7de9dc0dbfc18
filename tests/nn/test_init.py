"""Tests of nn/init.py: the initialisers' distributions, fans, gains, seeding and errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import scratchdl as sd
from scratchdl.errors import DTypeError, ShapeError
from scratchdl.nn import init
from scratchdl.nn.parameter import Parameter

# name -> a call that fills a tensor of at least 2 dimensions.
FILLERS = {
    "zeros_": init.zeros_,
    "ones_": init.ones_,
    "constant_": lambda t: init.constant_(t, 0.25),
    "normal_": init.normal_,
    "uniform_": init.uniform_,
    "small_random_": init.small_random_,
    "xavier_uniform_": init.xavier_uniform_,
    "xavier_normal_": init.xavier_normal_,
    "kaiming_uniform_": init.kaiming_uniform_,
    "kaiming_normal_": init.kaiming_normal_,
    "glorot_uniform_": init.glorot_uniform_,
    "glorot_normal_": init.glorot_normal_,
    "he_uniform_": init.he_uniform_,
    "he_normal_": init.he_normal_,
}
RANDOM_FILLERS = [name for name in FILLERS if name not in ("zeros_", "ones_", "constant_")]

# Large enough that the sample mean and std sit within a few standard errors of the truth.
BIG = (1000, 400)  # fan_in = 400, fan_out = 1000
CONV = (64, 32, 7, 7)  # fan_in = 32 * 49 = 1568, fan_out = 64 * 49 = 3136
SQRT3 = math.sqrt(3.0)

# (id, fill, shape, expected mean, expected std, uniform bound (None for normal draws)).
DISTRIBUTIONS = [
    ("normal_", lambda t: init.normal_(t, mean=2.0, std=3.0), BIG, 2.0, 3.0, None),
    ("uniform_", lambda t: init.uniform_(t, -2.0, 5.0), BIG, 1.5, 7 / math.sqrt(12), None),
    ("small_random_", init.small_random_, BIG, 0.0, 0.01, None),
    ("small_random_(0.1)", lambda t: init.small_random_(t, 0.1), BIG, 0.0, 0.1, None),
    ("xavier_uniform_", init.xavier_uniform_, BIG, 0.0, math.sqrt(2 / 1400), SQRT3),
    (
        "xavier_normal_(gain=2)",
        lambda t: init.xavier_normal_(t, gain=2.0),
        BIG,
        0.0,
        2 * math.sqrt(2 / 1400),
        None,
    ),
    ("glorot_uniform_(conv)", init.glorot_uniform_, CONV, 0.0, math.sqrt(2 / 4704), SQRT3),
    ("glorot_normal_", init.glorot_normal_, BIG, 0.0, math.sqrt(2 / 1400), None),
    # kaiming's default nonlinearity is leaky_relu with a = 0: gain sqrt(2), as for relu.
    ("kaiming_uniform_", init.kaiming_uniform_, BIG, 0.0, math.sqrt(2 / 400), SQRT3),
    # Linear's PyTorch default: a = sqrt(5) gives the bound 1/sqrt(fan_in).
    (
        "kaiming_uniform_(a=sqrt5)",
        lambda t: init.kaiming_uniform_(t, a=math.sqrt(5)),
        BIG,
        0.0,
        1 / math.sqrt(3 * 400),
        SQRT3,
    ),
    (
        "kaiming_normal_(fan_out, relu, conv)",
        lambda t: init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu"),
        CONV,
        0.0,
        math.sqrt(2 / 3136),
        None,
    ),
    (
        "kaiming_normal_(tanh)",
        lambda t: init.kaiming_normal_(t, nonlinearity="tanh"),
        BIG,
        0.0,
        (5 / 3) / math.sqrt(400),
        None,
    ),
    ("he_uniform_(conv)", init.he_uniform_, CONV, 0.0, math.sqrt(2 / 1568), SQRT3),
    ("he_normal_", init.he_normal_, BIG, 0.0, math.sqrt(2 / 400), None),
    (
        "he_normal_(leaky 0.2)",
        lambda t: init.he_normal_(t, a=0.2, nonlinearity="leaky_relu"),
        BIG,
        0.0,
        math.sqrt(2 / 1.04 / 400),
        None,
    ),
]


# --------------------------------------------------------------------------- shape, dtype, in place


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", list(FILLERS))
def test_fill_in_place_keeps_shape_dtype_and_array(name, dtype):
    tensor = sd.empty(5, 3, 2, dtype=dtype)
    array = tensor.data
    out = FILLERS[name](tensor)
    assert out is tensor
    assert tensor.data is array  # filled in place, not replaced
    assert tensor.shape == (5, 3, 2)
    assert tensor.dtype == np.dtype(dtype)
    assert np.isfinite(tensor.data).all()


@pytest.mark.parametrize("name", RANDOM_FILLERS)
def test_float16_is_filled_and_stays_float16(name):
    tensor = FILLERS[name](sd.empty(6, 4, dtype="float16"))
    assert tensor.dtype == np.float16
    assert np.isfinite(tensor.data).all()


@pytest.mark.parametrize("name", RANDOM_FILLERS)
def test_parameter_stays_a_leaf_and_no_graph_is_built(name):
    weight = Parameter(np.zeros((4, 3), dtype=np.float32))
    FILLERS[name](weight)
    assert weight.requires_grad and weight.is_leaf
    assert weight.grad_fn is None and weight.grad is None
    assert not np.all(weight.data == 0)


def test_fill_writes_through_to_a_shared_array():
    tensor = sd.zeros(3, 4)
    weight = Parameter(tensor)  # shares the array, as torch.nn.Parameter(t) does
    init.ones_(weight)
    np.testing.assert_array_equal(tensor.data, np.ones((3, 4), dtype=np.float32))


def test_constant_fills_exact_values():
    np.testing.assert_array_equal(init.zeros_(sd.ones(2, 3)).data, np.zeros((2, 3)))
    np.testing.assert_array_equal(init.ones_(sd.zeros(4)).data, np.ones(4))
    np.testing.assert_array_equal(init.constant_(sd.zeros(2, 2), -1.5).data, np.full((2, 2), -1.5))
    scalar = init.constant_(sd.tensor(0.0), 7)
    assert scalar.shape == () and scalar.item() == 7.0


def test_constant_fills_work_on_integer_tensors():
    tensor = sd.tensor(np.arange(6).reshape(2, 3))
    init.constant_(tensor, 3)
    assert tensor.dtype.kind == "i"
    np.testing.assert_array_equal(tensor.data, np.full((2, 3), 3))


def test_plain_fills_accept_1d_and_0d_tensors():
    assert init.normal_(sd.empty(5)).shape == (5,)
    assert init.uniform_(sd.empty(()), -1.0, 1.0).shape == ()
    assert init.small_random_(sd.empty(7)).shape == (7,)


@pytest.mark.parametrize("name", RANDOM_FILLERS)
def test_zero_element_tensors_are_left_alone(name):
    tensor = sd.empty(0, 5)
    assert FILLERS[name](tensor) is tensor
    assert tensor.shape == (0, 5)


# --------------------------------------------------------------------------- distributions


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize(
    ("fill", "shape", "mean", "std", "bound_over_std"),
    [case[1:] for case in DISTRIBUTIONS],
    ids=[case[0] for case in DISTRIBUTIONS],
)
def test_distribution_mean_std_and_bounds(fill, shape, mean, std, bound_over_std, dtype):
    tensor = fill(sd.empty(*shape, dtype=dtype))
    assert tensor.dtype == np.dtype(dtype)
    values = tensor.data.astype(np.float64).ravel()
    n = values.size
    # Standard errors: of the mean, std/√n; of the sample std, at most 0.71·std/√n (normal:
    # 1/√2, uniform: √0.8/2 ≈ 0.45). Five of them leave a failure probability below 1e-6.
    assert abs(values.mean() - mean) < 5 * std / math.sqrt(n)
    assert abs(values.std() - std) < 5 * 0.71 * std / math.sqrt(n)
    if bound_over_std is not None:
        bound = bound_over_std * std
        rounded = float(np.asarray(bound, dtype=dtype))
        assert values.min() >= -rounded and values.max() <= rounded  # exact, after rounding
        assert values.max() > 0.999 * bound and values.min() < -0.999 * bound


def test_uniform_bounds_are_exact_for_asymmetric_ranges():
    for a, b in [(0.0, 1.0), (-0.3, 0.7), (2.5, 2.6), (-1e-3, 0.0)]:
        for dtype in (np.float16, np.float32, np.float64):
            values = init.uniform_(sd.empty(20000, dtype=dtype), a, b).data
            assert values.min() >= dtype(a) and values.max() <= dtype(b), (a, b, dtype)


def test_degenerate_ranges():
    np.testing.assert_array_equal(init.uniform_(sd.empty(10), 2.0, 2.0).data, np.full(10, 2.0))
    np.testing.assert_array_equal(init.normal_(sd.empty(10), 1.5, 0.0).data, np.full(10, 1.5))


# --------------------------------------------------------------------------- fans and gains


@pytest.mark.parametrize(
    ("shape", "fans"),
    [
        ((10, 20), (20, 10)),  # Linear weight: (out, in)
        ((1, 1), (1, 1)),
        ((8, 4, 7), (28, 56)),  # Conv1d: (C_out, C_in, K)
        ((16, 3, 5, 5), (75, 400)),  # Conv2d: (C_out, C_in, KH, KW)
        ((2, 3, 4, 5, 6), (360, 240)),  # Conv3d
    ],
)
def test_fan_in_and_fan_out(shape, fans):
    assert init._calculate_fan_in_and_fan_out(sd.empty(*shape)) == fans


@pytest.mark.oracle
@pytest.mark.parametrize("shape", [(10, 20), (8, 4, 7), (16, 3, 5, 5), (2, 3, 4, 5, 6), (0, 3)])
def test_fans_match_torch(shape):
    import torch

    expected = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init._calculate_fan_in_and_fan_out(sd.empty(*shape)) == expected


@pytest.mark.parametrize("shape", [(), (5,)])
def test_fans_need_two_dimensions(shape):
    with pytest.raises(ShapeError, match=r"_calculate_fan_in_and_fan_out.*at least 2") as info:
        init._calculate_fan_in_and_fan_out(sd.empty(*shape))
    assert str(shape) in str(info.value)
    with pytest.raises(ValueError, match=r"xavier_uniform_.*\(5,\)"):
        init.xavier_uniform_(sd.empty(5))
    with pytest.raises(ValueError, match=r"kaiming_normal_.*\(5,\)"):
        init.kaiming_normal_(sd.empty(5))


GAIN_CASES = [
    ("linear", None),
    ("conv1d", None),
    ("conv2d", None),
    ("conv3d", None),
    ("conv_transpose1d", None),
    ("conv_transpose2d", None),
    ("conv_transpose3d", None),
    ("sigmoid", None),
    ("tanh", None),
    ("relu", None),
    ("leaky_relu", None),
    ("leaky_relu", 0.2),
    ("leaky_relu", 0),
    ("leaky_relu", 1),
    ("leaky_relu", math.sqrt(5)),
    ("selu", None),
]


@pytest.mark.oracle
@pytest.mark.parametrize(("nonlinearity", "param"), GAIN_CASES)
def test_gain_matches_torch(nonlinearity, param):
    import torch

    expected = torch.nn.init.calculate_gain(nonlinearity, param)
    assert init.calculate_gain(nonlinearity, param) == pytest.approx(expected, rel=1e-15)


def test_gain_golden_values():
    assert init.calculate_gain("linear") == 1.0
    assert init.calculate_gain("identity") == 1.0
    assert init.calculate_gain("sigmoid") == 1.0
    assert init.calculate_gain("tanh") == 5 / 3
    assert init.calculate_gain("relu") == math.sqrt(2)
    assert init.calculate_gain("leaky_relu") == math.sqrt(2 / (1 + 0.01**2))
    assert init.calculate_gain("leaky_relu", np.float32(0.5)) == pytest.approx(math.sqrt(1.6))
    assert init.calculate_gain("selu") == 0.75


def test_unknown_nonlinearity_lists_the_valid_names():
    with pytest.raises(ValueError, match=r"calculate_gain.*'swish'") as info:
        init.calculate_gain("swish")
    for name in ("linear", "conv2d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"):
        assert name in str(info.value)
    with pytest.raises(ValueError, match=r"kaiming_uniform_.*nonlinearity='gelu'"):
        init.kaiming_uniform_(sd.empty(3, 4), nonlinearity="gelu")
    with pytest.raises(ValueError, match=r"he_normal_: .*nonlinearity='Relu'"):
        init.he_normal_(sd.empty(3, 4), nonlinearity="Relu")


def test_bad_leaky_relu_slope():
    with pytest.raises(ValueError, match=r"calculate_gain.*param=True"):
        init.calculate_gain("leaky_relu", True)
    with pytest.raises(ValueError, match=r"kaiming_uniform_.*param='0.1'"):
        init.kaiming_uniform_(sd.empty(3, 4), a="0.1")


def test_mode_selects_the_fan_and_ignores_case():
    shape = (30, 10)  # fan_in 10, fan_out 30
    by_in = init.kaiming_uniform_(sd.empty(*shape), nonlinearity="relu").data
    by_out = init.kaiming_uniform_(sd.empty(*shape), mode="FAN_OUT", nonlinearity="relu").data
    assert np.abs(by_in).max() <= math.sqrt(6 / 10) and np.abs(by_in).max() > math.sqrt(6 / 30)
    assert np.abs(by_out).max() <= math.sqrt(6 / 30)


@pytest.mark.parametrize("mode", ["fan_avg", "in", None])
def test_bad_mode_names_the_function_and_value(mode):
    with pytest.raises(ValueError, match=rf"kaiming_normal_.*mode={mode!r}.*'fan_in' or 'fan_out'"):
        init.kaiming_normal_(sd.empty(3, 4), mode=mode)
    with pytest.raises(ValueError, match=rf"he_uniform_: .*mode={mode!r}"):
        init.he_uniform_(sd.empty(3, 4), mode=mode)


# --------------------------------------------------------------------------- reproducibility


@pytest.mark.parametrize("name", RANDOM_FILLERS)
def test_manual_seed_reproduces_the_values(name):
    sd.manual_seed(7)
    first = FILLERS[name](sd.empty(6, 5)).data.copy()
    second = FILLERS[name](sd.empty(6, 5)).data
    sd.manual_seed(7)
    again = FILLERS[name](sd.empty(6, 5)).data
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, second)  # the stream moves on


@pytest.mark.parametrize("name", RANDOM_FILLERS)
def test_explicit_generator_reproduces_and_leaves_the_global_stream_alone(name):
    fill = getattr(init, name)
    sd.manual_seed(0)
    expected_global = sd.backend.default_generator().random(3)
    sd.manual_seed(0)
    first = fill(sd.empty(6, 5), generator=np.random.default_rng(42)).data.copy()
    second = fill(sd.empty(6, 5), generator=np.random.default_rng(42)).data
    np.testing.assert_array_equal(first, second)
    np.testing.assert_array_equal(sd.backend.default_generator().random(3), expected_global)


def test_same_seed_gives_the_same_values_in_float32_and_float64():
    w32 = init.kaiming_normal_(sd.empty(8, 9, dtype="float32"), generator=np.random.default_rng(1))
    w64 = init.kaiming_normal_(sd.empty(8, 9, dtype="float64"), generator=np.random.default_rng(1))
    np.testing.assert_array_equal(w32.data, w64.data.astype(np.float32))


def test_aliases_match_their_originals():
    shape = (7, 6, 3)
    pairs = [
        (init.glorot_uniform_, init.xavier_uniform_, {}),
        (init.glorot_normal_, init.xavier_normal_, {}),
        (init.he_uniform_, init.kaiming_uniform_, {"nonlinearity": "relu"}),
        (init.he_normal_, init.kaiming_normal_, {"nonlinearity": "relu"}),
    ]
    for alias, original, kwargs in pairs:
        expected = original(sd.empty(*shape), generator=np.random.default_rng(3), **kwargs).data
        got = alias(sd.empty(*shape), generator=np.random.default_rng(3)).data
        np.testing.assert_array_equal(got, expected, err_msg=alias.__name__)


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("name", list(FILLERS))
def test_non_tensor_input_is_a_type_error(name):
    with pytest.raises(TypeError, match=rf"{name}: expected a scratchdl Tensor.*ndarray"):
        getattr(init, name)(np.zeros((3, 4)), *((1.0,) if name == "constant_" else ()))


@pytest.mark.parametrize("name", RANDOM_FILLERS)
def test_random_fill_of_integer_tensor_is_a_dtype_error(name):
    with pytest.raises(DTypeError, match=rf"{name}: .*floating.*int64"):
        getattr(init, name)(sd.tensor(np.zeros((3, 4), dtype=np.int64)))


def test_bad_generator_is_a_type_error():
    with pytest.raises(
        TypeError, match=r"normal_: generator must be a numpy.random.Generator.*int"
    ):
        init.normal_(sd.empty(3), generator=0)
    with pytest.raises(TypeError, match=r"xavier_uniform_: generator.*RandomState"):
        init.xavier_uniform_(sd.empty(3, 3), generator=np.random.RandomState(0))


def test_bad_distribution_arguments():
    with pytest.raises(ValueError, match=r"normal_: std must be non-negative; received std=-1.0"):
        init.normal_(sd.empty(3), std=-1.0)
    with pytest.raises(ValueError, match=r"uniform_: expected a <= b; received a=1.0, b=0.0"):
        init.uniform_(sd.empty(3), 1.0, 0.0)
    with pytest.raises(ValueError, match=r"small_random_: scale must be non-negative"):
        init.small_random_(sd.empty(3), scale=-0.01)
    with pytest.raises(TypeError, match=r"constant_: val must be a real number; received val='1'"):
        init.constant_(sd.empty(3), "1")
    with pytest.raises(TypeError, match=r"normal_: mean must be a real number; received mean=nan"):
        init.normal_(sd.empty(3), mean=float("nan"))
    with pytest.raises(TypeError, match=r"xavier_normal_: gain must be a real number"):
        init.xavier_normal_(sd.empty(3, 3), gain=None)
    with pytest.raises(ValueError, match=r"glorot_uniform_: gain must be non-negative.*-1.0"):
        init.glorot_uniform_(sd.empty(3, 3), gain=-1.0)

"""Tests of scratchdl.ops.binary_loss: binary_cross_entropy and binary_cross_entropy_with_logits,
against finite differences, PyTorch, hand-computed values and the composed reference form (most
argument errors are tested with the other losses' in test_loss.py; the probability range check
and the shared weight-requires-grad check are tested here)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import scratchdl as sd
from scratchdl.errors import GradientError
from scratchdl.nn import functional as F
from scratchdl.ops.binary_loss import _reference_binary_cross_entropy_with_logits
from tests._harness.gradients import check_gradients
from tests._harness.oracle import compare_with_torch

DTYPES = [np.float64, np.float32]


def _torch_f():
    import torch.nn.functional as TF

    return TF


def _weight_for(torch_input, w):
    """A numpy weight as a torch tensor of the input's dtype (None stays None)."""
    import torch

    return None if w is None else torch.tensor(w, dtype=torch_input.dtype)


BCE_CASES = [
    ("mean", (4, 3), {}),
    ("sum_weight", (4, 3), {"reduction": "sum", "weight": np.array([0.5, 1.0, 2.0])}),
    ("none", (5,), {"reduction": "none"}),
    ("scalar", (), {}),
]


def _bce_inputs(rng, shape):
    return rng.uniform(0.05, 0.95, shape), rng.uniform(0.0, 1.0, shape)


@pytest.mark.parametrize("case, shape, options", BCE_CASES, ids=[c[0] for c in BCE_CASES])
def test_binary_cross_entropy_gradients(rng, case, shape, options):
    x, t = _bce_inputs(rng, shape)
    check_gradients(lambda x, t: F.binary_cross_entropy(x, t, **options), x, t, double=True)


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case, shape, options", BCE_CASES, ids=[c[0] for c in BCE_CASES])
def test_binary_cross_entropy_matches_torch(rng, case, shape, options, dtype):
    TF = _torch_f()
    options = dict(options)
    w = options.pop("weight", None)
    compare_with_torch(
        lambda x, t: F.binary_cross_entropy(x, t, weight=w, **options),
        lambda x, t: TF.binary_cross_entropy(x, t, weight=_weight_for(x, w), **options),
        *_bce_inputs(rng, shape),
        dtype=dtype,
    )


@pytest.mark.oracle
def test_binary_cross_entropy_clamps_like_torch():
    TF = _torch_f()
    x = np.array([0.0, 1.0, 0.0, 1.0, 0.5])
    t = np.array([1.0, 0.0, 0.0, 1.0, 1.0])
    compare_with_torch(
        lambda x, t: F.binary_cross_entropy(x, t, reduction="none"),
        lambda x, t: TF.binary_cross_entropy(x, t, reduction="none"),
        x,
        t,
        grad_inputs=(0,),
        rtol=1e-8,  # gradients of 1e11 at the clamp: rounding order differs in the last bits
    )
    np.testing.assert_allclose(
        F.binary_cross_entropy(sd.tensor(x), sd.tensor(t), reduction="none").data[:2],
        [100.0, 100.0],
    )


BCE_LOGITS_CASES = [
    ("mean", (4, 3), {}),
    ("sum_weight", (4, 3), {"reduction": "sum", "weight": np.array([0.5, 1.0, 2.0])}),
    ("none_pos_weight", (4, 3), {"reduction": "none", "pos_weight": np.array([3.0, 0.5, 1.0])}),
    ("mean_both", (2, 3), {"weight": np.array([[1.0], [2.0]]), "pos_weight": np.array([2.0])}),
    ("scalar", (), {}),
]


@pytest.mark.parametrize(
    "case, shape, options", BCE_LOGITS_CASES, ids=[c[0] for c in BCE_LOGITS_CASES]
)
def test_binary_cross_entropy_with_logits_gradients(rng, case, shape, options):
    x, t = rng.standard_normal(shape) * 2, rng.uniform(0.0, 1.0, shape)
    check_gradients(
        lambda x, t: F.binary_cross_entropy_with_logits(x, t, **options), x, t, double=True
    )


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "case, shape, options", BCE_LOGITS_CASES, ids=[c[0] for c in BCE_LOGITS_CASES]
)
def test_binary_cross_entropy_with_logits_matches_torch(rng, case, shape, options, dtype):
    TF = _torch_f()
    options = dict(options)
    w, pw = options.pop("weight", None), options.pop("pos_weight", None)
    compare_with_torch(
        lambda x, t: F.binary_cross_entropy_with_logits(x, t, weight=w, pos_weight=pw, **options),
        lambda x, t: TF.binary_cross_entropy_with_logits(
            x, t, weight=_weight_for(x, w), pos_weight=_weight_for(x, pw), **options
        ),
        rng.standard_normal(shape) * 2,
        rng.uniform(0.0, 1.0, shape),
        dtype=dtype,
    )


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", DTYPES)
def test_binary_cross_entropy_with_logits_is_stable(dtype):
    TF = _torch_f()
    x = np.array([1e4, -1e4, 1e4, -1e4, 0.0])
    t = np.array([1.0, 0.0, 0.0, 1.0, 0.5])
    out = F.binary_cross_entropy_with_logits(
        sd.tensor(x.astype(dtype)), t.astype(dtype), None, "none"
    )
    np.testing.assert_allclose(out.data, [0.0, 0.0, 1e4, 1e4, np.log(2.0)], rtol=1e-6)
    compare_with_torch(
        lambda x, t: F.binary_cross_entropy_with_logits(x, t, pos_weight=np.array([2.0])),
        lambda x, t: TF.binary_cross_entropy_with_logits(
            x, t, pos_weight=_weight_for(x, np.array([2.0]))
        ),
        x,
        t,
        dtype=dtype,
    )


# ----------------------------------------------------------------------------- infinite logits
@pytest.mark.oracle
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["none", "sum"])
def test_infinite_logits_match_torch_where_torch_is_not_nan(dtype, reduction):
    # x = +inf with t < 1 costs inf (torch agrees); the old formula gave inf - inf * 0 = nan.
    TF = _torch_f()
    x = np.array([np.inf, np.inf, 1.0])
    t = np.array([0.0, 0.5, 1.0])
    compare_with_torch(
        lambda x, t: F.binary_cross_entropy_with_logits(x, t, reduction=reduction),
        lambda x, t: TF.binary_cross_entropy_with_logits(x, t, reduction=reduction),
        x,
        t,
        dtype=dtype,
        grad_inputs=(0,),
    )


@pytest.mark.parametrize("reduction", ["none", "mean"])
@pytest.mark.parametrize("pos_weight", [None, np.array([2.0])], ids=["plain", "pos_weight"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_infinite_logits_give_the_limit_of_the_loss(dtype, pos_weight, reduction):
    # The limit of the loss: (1 - t) * inf at +inf, pw * t * inf at -inf, 0 where the
    # coefficient is 0 (PyTorch gives nan for those, and for every -inf).
    x = np.array([np.inf, np.inf, np.inf, -np.inf, -np.inf, -np.inf, 0.0], dtype=dtype)
    t = np.array([0.0, 0.5, 1.0, 0.0, 0.5, 1.0, 1.0], dtype=dtype)
    pw = 1.0 if pos_weight is None else 2.0
    expected = np.array([np.inf, np.inf, 0.0, 0.0, np.inf, np.inf, pw * np.log(2.0)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "invalid value" RuntimeWarning either
        out = F.binary_cross_entropy_with_logits(
            sd.tensor(x), t, reduction=reduction, pos_weight=pos_weight
        )
    assert out.dtype == dtype
    if reduction == "none":
        np.testing.assert_allclose(out.data, expected, rtol=1e-6)
    else:
        assert out.item() == np.inf


def test_infinite_logits_with_zero_weight_cost_nothing():
    x = sd.tensor([np.inf, -np.inf, 2.0], dtype="float64")
    t = np.array([0.0, 1.0, 1.0])
    out = F.binary_cross_entropy_with_logits(
        x, t, weight=np.array([0.0, 0.0, 1.0]), reduction="none"
    )
    np.testing.assert_allclose(out.data, [0.0, 0.0, np.log1p(np.exp(-2.0))], rtol=1e-14)


def test_nan_logits_still_give_nan():
    out = F.binary_cross_entropy_with_logits(sd.tensor([np.nan, 1.0]), np.ones(2), reduction="none")
    assert np.isnan(out.data[0]) and np.isfinite(out.data[1])


# ----------------------------------------------------------------------------- reference form
REFERENCE_CASES = [
    ("mean", (4, 3), {}),
    ("sum_weight", (4, 3), {"reduction": "sum", "weight": np.array([0.5, 1.0, 2.0])}),
    ("none_pos_weight", (4, 3), {"reduction": "none", "pos_weight": np.array([3.0, 0.5, 1.0])}),
    ("mean_both", (2, 3), {"weight": np.array([[1.0], [2.0]]), "pos_weight": np.array([2.0])}),
    ("scalar", (), {"reduction": "sum"}),
]


@pytest.mark.parametrize(
    "case, shape, options", REFERENCE_CASES, ids=[c[0] for c in REFERENCE_CASES]
)
def test_fused_matches_reference_composition(rng, case, shape, options):
    # Forward, gradients of x and t, and second derivatives (a Hessian-vector product through
    # both inputs) of the fused op and its _reference_ composition agree.
    x_np = rng.standard_normal(shape) * 3
    t_np = rng.uniform(0.0, 1.0, shape)
    fused, reference = (
        F.binary_cross_entropy_with_logits,
        _reference_binary_cross_entropy_with_logits,
    )

    def derivatives(fn):
        x = sd.tensor(x_np, requires_grad=True)
        t = sd.tensor(t_np, requires_grad=True)
        out = fn(x, t, **options)
        g = sd.tensor(np.random.default_rng(5).standard_normal(out.shape))
        dx, dt = sd.autograd.grad([out], [x, t], grad_outputs=[g], create_graph=True)
        v = np.random.default_rng(6).standard_normal(shape)
        second = sd.autograd.grad([(dx * v).sum() + (dt * v).sum()], [x, t])
        return [out.data, dx.data, dt.data] + [d.data for d in second]

    for got, expected, what in zip(
        derivatives(fused), derivatives(reference), ["loss", "dx", "dt", "d2/dx", "d2/dt"]
    ):
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-14, err_msg=what)


@pytest.mark.parametrize(
    "case, shape, options", REFERENCE_CASES, ids=[c[0] for c in REFERENCE_CASES]
)
def test_reference_composition_gradients(rng, case, shape, options):
    check_gradients(
        lambda x, t: _reference_binary_cross_entropy_with_logits(x, t, **options),
        rng.standard_normal(shape) * 2,
        rng.uniform(0.0, 1.0, shape),
        double=True,
    )


# ----------------------------------------------------------------------------- input checks
@pytest.mark.parametrize(
    "x, count",
    [
        ([0.5, np.nan], "1 of 2 values outside [0, 1] (1 of them NaN)"),
        ([np.nan, np.nan, 2.0], "3 of 3 values outside [0, 1] (2 of them NaN)"),
        ([np.nan], "1 of 1"),
        ([-0.5, 0.2, 1.5], "2 of 3"),
    ],
)
def test_binary_cross_entropy_rejects_nan_and_out_of_range(x, count):
    with pytest.raises(ValueError) as info:
        F.binary_cross_entropy(sd.tensor(x, dtype="float64"), np.zeros(len(x)))
    message = str(info.value)
    assert message.startswith("binary_cross_entropy: input must hold probabilities in [0, 1]")
    assert count in message


@pytest.mark.parametrize(
    "fn, name",
    [
        (lambda x, t, w: F.binary_cross_entropy(x, t, weight=w), "weight"),
        (lambda x, t, w: F.binary_cross_entropy_with_logits(x, t, weight=w), "weight"),
        (lambda x, t, w: F.binary_cross_entropy_with_logits(x, t, pos_weight=w), "pos_weight"),
        (lambda x, t, w: F.cross_entropy(x, np.array([0, 2]), weight=w), "weight"),
        (lambda x, t, w: F.nll_loss(x, np.array([1, 0]), weight=w), "weight"),
    ],
    ids=["bce", "bce_logits", "bce_logits_pos_weight", "cross_entropy", "nll_loss"],
)
def test_weight_that_requires_grad_is_rejected(fn, name):
    # The losses treat weight and pos_weight as constants (as PyTorch does): a weight that
    # requires grad would silently get no gradient, so the shared check in _loss_checks raises.
    x = sd.tensor(np.full((2, 3), 0.25), requires_grad=True)
    t = np.full((2, 3), 0.5)
    w = sd.tensor(np.ones(3), requires_grad=True)
    with pytest.raises(GradientError) as info:
        fn(x, t, w)
    message = str(info.value)
    assert f"not differentiable with respect to argument '{name}'" in message
    assert f"{name}={name}.detach()" in message
    fn(x, t, w.detach())  # the fix works
    with sd.no_grad():  # nothing is recorded: accepted, as in PyTorch
        fn(x, t, w)


# ----------------------------------------------------------------------------- memory layouts
@pytest.mark.oracle
@pytest.mark.parametrize("layout", ["strided", "transposed"])
def test_binary_cross_entropy_with_logits_non_contiguous_matches_torch(rng, layout):
    TF = _torch_f()
    compare_with_torch(
        lambda x, t: F.binary_cross_entropy_with_logits(x, t, pos_weight=np.array([2.0, 0.5])),
        lambda x, t: TF.binary_cross_entropy_with_logits(
            x, t, pos_weight=_weight_for(x, np.array([2.0, 0.5]))
        ),
        rng.standard_normal((3, 2)) * 2,
        rng.uniform(0.0, 1.0, (3, 2)),
        dtype=np.float32,
        layout=layout,
    )

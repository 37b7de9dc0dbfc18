"""Tests of scratchdl.ops.loss: every loss, against finite differences, PyTorch and
hand-computed values (softmax and log_softmax are in test_softmax.py, the binary losses in
test_binary_loss.py; the argument errors of every loss are here)."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl.errors import DTypeError, ShapeError
from scratchdl.nn import functional as F
from scratchdl.ops.loss import _reference_cross_entropy
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


# ----------------------------------------------------------------------------- cross-entropy
def _targets(rng, shape, n_classes, ignored=0, ignore_index=-100):
    t = rng.integers(0, n_classes, shape).astype(np.int64)
    if ignored:
        t.reshape(-1)[:ignored] = ignore_index
    return t


# (id, input shape, target maker, keyword arguments); weights are arrays of the class count.
CE_CASES = [
    ("mean", (4, 5), {}),
    ("sum", (4, 5), {"reduction": "sum"}),
    ("none", (4, 5), {"reduction": "none"}),
    ("weight", (4, 5), {"weight": np.array([0.5, 1.0, 2.0, 1.5, 0.25])}),
    ("weight_sum", (4, 5), {"weight": np.array([0.5, 1.0, 2.0, 1.5, 0.25]), "reduction": "sum"}),
    ("ignore", (6, 3), {"ignored": 2}),
    (
        "ignore_weight_none",
        (6, 3),
        {"ignored": 2, "weight": np.array([1.0, 2.0, 3.0]), "reduction": "none"},
    ),
    ("ignore_in_range", (6, 3), {"ignore_index": 1}),
    ("smooth", (4, 5), {"label_smoothing": 0.1}),
    (
        "smooth_weight_ignore",
        (6, 4),
        {"label_smoothing": 0.2, "ignored": 2, "weight": np.array([1.0, 0.5, 2.0, 1.5])},
    ),
    (
        "smooth_weight_none",
        (3, 4),
        {"label_smoothing": 0.3, "reduction": "none", "weight": np.array([1.0, 0.5, 2.0, 1.5])},
    ),
    ("spatial", (3, 4, 2), {}),
    (
        "spatial_2d_smooth_ignore",
        (2, 3, 2, 2),
        {"label_smoothing": 0.1, "ignored": 1, "weight": np.array([1.0, 2.0, 0.5])},
    ),
    ("spatial_none", (2, 3, 2, 2), {"reduction": "none"}),
    ("unbatched", (5,), {}),
    ("unbatched_none_smooth", (5,), {"reduction": "none", "label_smoothing": 0.1}),
    ("unbatched_sum", (5,), {"reduction": "sum", "weight": np.array([1.0, 2.0, 3.0, 4.0, 5.0])}),
]


def _ce_setup(rng, shape, options):
    options = dict(options)
    ignored = options.pop("ignored", 0)
    n_classes = shape[0] if len(shape) == 1 else shape[1]
    t_shape = () if len(shape) == 1 else shape[:1] + shape[2:]
    t = _targets(rng, t_shape, n_classes, ignored, options.get("ignore_index", -100))
    return rng.standard_normal(shape), t, options


@pytest.mark.parametrize("case, shape, options", CE_CASES, ids=[c[0] for c in CE_CASES])
def test_cross_entropy_gradients(rng, case, shape, options):
    x, t, options = _ce_setup(rng, shape, options)
    check_gradients(lambda x, t: F.cross_entropy(x, t, **options), x, t, double=True)


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case, shape, options", CE_CASES, ids=[c[0] for c in CE_CASES])
def test_cross_entropy_matches_torch(rng, case, shape, options, dtype):
    TF = _torch_f()
    x, t, options = _ce_setup(rng, shape, options)
    w = options.pop("weight", None)
    compare_with_torch(
        lambda x, t: F.cross_entropy(x, t, weight=w, **options),
        lambda x, t: TF.cross_entropy(x, t, weight=_weight_for(x, w), **options),
        x,
        t,
        dtype=dtype,
    )


@pytest.mark.parametrize("case, shape, options", CE_CASES, ids=[c[0] for c in CE_CASES])
def test_fused_cross_entropy_equals_reference(rng, case, shape, options):
    x, t, options = _ce_setup(rng, shape, options)
    results = []
    for fn in (F.cross_entropy, _reference_cross_entropy):
        xt = sd.tensor(x, requires_grad=True)
        out = fn(xt, sd.tensor(t), **options)
        g = sd.tensor(np.random.default_rng(3).standard_normal(out.shape))
        (dx,) = sd.autograd.grad(out, xt, grad_outputs=g, create_graph=True)
        # A second derivative: d/dx of sum(dx * v).
        v = sd.tensor(np.random.default_rng(4).standard_normal(x.shape))
        (ddx,) = sd.autograd.grad((dx * v).sum(), xt)
        results.append((out.data, dx.data, ddx.data))
    for fused, reference in zip(*results):
        np.testing.assert_allclose(fused, reference, rtol=1e-10, atol=1e-12)


PROB_CASES = [
    ("mean", (4, 5), {}),
    ("sum_weight", (4, 5), {"reduction": "sum", "weight": np.array([0.5, 1.0, 2.0, 1.5, 0.25])}),
    ("none_smooth", (4, 5), {"reduction": "none", "label_smoothing": 0.2}),
    (
        "spatial_weight_smooth",
        (2, 3, 2),
        {"weight": np.array([1.0, 2.0, 0.5]), "label_smoothing": 0.1},
    ),
    ("unbatched", (5,), {}),
]


def _probabilities(rng, shape):
    axis = 0 if len(shape) == 1 else 1
    p = rng.uniform(0.1, 1.0, shape)
    return p / p.sum(axis=axis, keepdims=True)


@pytest.mark.parametrize("case, shape, options", PROB_CASES, ids=[c[0] for c in PROB_CASES])
def test_cross_entropy_probability_targets_gradients(rng, case, shape, options):
    x, p = rng.standard_normal(shape), _probabilities(rng, shape)
    check_gradients(lambda x, p: F.cross_entropy(x, p, **options), x, p, double=True)


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case, shape, options", PROB_CASES, ids=[c[0] for c in PROB_CASES])
def test_cross_entropy_probability_targets_match_torch(rng, case, shape, options, dtype):
    TF = _torch_f()
    options = dict(options)
    w = options.pop("weight", None)
    compare_with_torch(
        lambda x, p: F.cross_entropy(x, p, weight=w, **options),
        lambda x, p: TF.cross_entropy(x, p, weight=_weight_for(x, w), **options),
        rng.standard_normal(shape),
        _probabilities(rng, shape),
        dtype=dtype,
    )


def test_cross_entropy_golden_value():
    x = sd.tensor([[0.0, np.log(3.0)]], dtype="float64", requires_grad=True)
    loss = F.cross_entropy(x, sd.tensor([1]))
    np.testing.assert_allclose(loss.item(), -np.log(0.75))
    loss.backward()
    np.testing.assert_allclose(x.grad.data, [[0.25, -0.25]])  # p - onehot(t)


@pytest.mark.oracle
def test_cross_entropy_all_targets_ignored_matches_torch():
    TF = _torch_f()
    x = np.random.default_rng(0).standard_normal((3, 4))
    t = np.full(3, -100, dtype=np.int64)
    compare_with_torch(
        lambda x, t: F.cross_entropy(x, t), lambda x, t: TF.cross_entropy(x, t), x, t
    )


def test_cross_entropy_is_stable_for_huge_logits():
    x = sd.tensor([[1e4, -1e4, 0.0], [-1e4, 1e4, 0.0]], requires_grad=True)
    loss = F.cross_entropy(x, sd.tensor([1, 1]))
    np.testing.assert_allclose(loss.item(), 1e4, rtol=1e-6)
    loss.backward()
    np.testing.assert_allclose(x.grad.data, [[0.5, -0.5, 0.0], [0.0, 0.0, 0.0]], atol=1e-6)


def test_cross_entropy_keeps_float32(rng):
    x = sd.tensor(rng.standard_normal((4, 3)).astype(np.float32), requires_grad=True)
    loss = F.cross_entropy(x, sd.tensor([0, 1, 2, 0]), weight=np.ones(3), label_smoothing=0.1)
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32


# ----------------------------------------------------------------------------- nll_loss
NLL_CASES = [
    ("mean", (4, 5), {}),
    ("sum_weight", (4, 5), {"reduction": "sum", "weight": np.array([0.5, 1.0, 2.0, 1.5, 0.25])}),
    ("none_ignore", (6, 3), {"reduction": "none", "ignored": 2}),
    ("mean_weight_ignore", (6, 3), {"weight": np.array([1.0, 2.0, 3.0]), "ignored": 2}),
    ("spatial", (2, 3, 2, 2), {}),
    ("unbatched", (5,), {"reduction": "none"}),
]


@pytest.mark.parametrize("case, shape, options", NLL_CASES, ids=[c[0] for c in NLL_CASES])
def test_nll_loss_gradients(rng, case, shape, options):
    x, t, options = _ce_setup(rng, shape, options)
    check_gradients(lambda x, t: F.nll_loss(x, t, **options), x, t, double=True)


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case, shape, options", NLL_CASES, ids=[c[0] for c in NLL_CASES])
def test_nll_loss_matches_torch(rng, case, shape, options, dtype):
    TF = _torch_f()
    x, t, options = _ce_setup(rng, shape, options)
    w = options.pop("weight", None)
    compare_with_torch(
        lambda x, t: F.nll_loss(x, t, weight=w, **options),
        lambda x, t: TF.nll_loss(x, t, weight=_weight_for(x, w), **options),
        x,
        t,
        dtype=dtype,
    )


def test_nll_of_log_softmax_equals_cross_entropy(rng):
    x, t = sd.tensor(rng.standard_normal((5, 4))), sd.tensor(rng.integers(0, 4, 5))
    np.testing.assert_allclose(
        F.nll_loss(F.log_softmax(x, axis=1), t).data, F.cross_entropy(x, t).data, rtol=1e-12
    )


# ----------------------------------------------------------------------------- regression
REGRESSION_SHAPES = [(4, 3), (5,), ()]


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", REGRESSION_SHAPES)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_regression_loss_gradients(rng, name, shape, reduction):
    x, t = rng.standard_normal(shape), rng.standard_normal(shape)
    fn = getattr(F, name)
    check_gradients(lambda x, t: fn(x, t, reduction=reduction), x, t, double=True)


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss"])
def test_regression_loss_matches_torch(rng, name, reduction, dtype):
    TF = _torch_f()
    compare_with_torch(
        lambda x, t: getattr(F, name)(x, t, reduction=reduction),
        lambda x, t: getattr(TF, name)(x, t, reduction=reduction),
        rng.standard_normal((4, 3)),
        rng.standard_normal((4, 3)),
        dtype=dtype,
    )


def test_l1_loss_subgradient_is_zero_at_a_tie():
    x = sd.tensor([1.0, 2.0, 3.0], requires_grad=True)
    F.l1_loss(x, sd.tensor([1.0, 0.0, 5.0]), reduction="sum").backward()
    np.testing.assert_array_equal(x.grad.data, [0.0, 1.0, -1.0])


def test_mse_loss_golden_and_dtype():
    x = sd.tensor([1.0, 2.0], requires_grad=True)
    loss = F.mse_loss(x, np.array([0.0, 4.0]))  # float64 target: the loss stays float32
    assert loss.dtype == np.float32 and loss.item() == 2.5
    loss.backward()
    np.testing.assert_array_equal(x.grad.data, [1.0, -2.0])  # 2 (x - t) / N


# ----------------------------------------------------------------------------- errors
def _ce_inputs():
    return sd.tensor(np.zeros((3, 5), np.float32)), sd.tensor([0, 4, 1])


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_out_of_range_class_targets(name):
    x, _ = _ce_inputs()
    with pytest.raises(ValueError, match=rf"{name}.*class index 5, 7 .*\[0, 4\]"):
        getattr(F, name)(x, sd.tensor([5, 7, 1]))
    with pytest.raises(ValueError, match=r"class index -1 .*\[0, 4\]"):
        getattr(F, name)(x, sd.tensor([-1, 0, 1]))
    getattr(F, name)(x, sd.tensor([-100, 0, 1]))  # ignore_index is allowed


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_nan_class_targets(name):
    x, _ = _ce_inputs()
    with pytest.raises(ValueError, match=rf"{name}: targets contain NaN"):
        getattr(F, name)(x, np.array([0.0, np.nan, 1.0]))


def test_nan_probability_targets():
    x, _ = _ce_inputs()
    p = np.full((3, 5), 0.2, np.float32)
    p[1, 2] = np.nan
    with pytest.raises(ValueError, match="cross_entropy: targets contain NaN"):
        F.cross_entropy(x, p)
    with pytest.raises(ValueError, match="binary_cross_entropy_with_logits: targets contain NaN"):
        F.binary_cross_entropy_with_logits(x, p)


@pytest.mark.parametrize("name", ["cross_entropy", "nll_loss"])
def test_float_targets_of_the_wrong_shape(name):
    x, _ = _ce_inputs()
    with pytest.raises(
        DTypeError, match=rf"{name}: target must hold integer class indices.*astype"
    ):
        getattr(F, name)(x, np.array([0.0, 4.0, 1.0], np.float32))


def test_nll_loss_rejects_probability_targets():
    x, _ = _ce_inputs()
    with pytest.raises(DTypeError, match="nll_loss"):
        F.nll_loss(x, np.full((3, 5), 0.2, np.float32))


def test_class_target_shape_mismatch():
    x, _ = _ce_inputs()
    with pytest.raises(ShapeError, match=r"cross_entropy.*shape \(3,\).*\(3, 5\).*\(2,\)"):
        F.cross_entropy(x, sd.tensor([0, 1]))


@pytest.mark.parametrize(
    "name", ["mse_loss", "l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits"]
)
def test_elementwise_loss_shape_mismatch(name):
    x = sd.tensor(np.full((4, 1), 0.5, np.float32))
    with pytest.raises(ShapeError, match=rf"{name}: target shape \(4,\) .*input shape \(4, 1\)"):
        getattr(F, name)(x, np.full(4, 0.5, np.float32))


@pytest.mark.parametrize(
    "call",
    [
        lambda x, t: F.cross_entropy(x, t, reduction="avg"),
        lambda x, t: F.nll_loss(x, t, reduction="avg"),
        lambda x, t: F.mse_loss(x, x, reduction="avg"),
        lambda x, t: F.l1_loss(x, x, reduction="avg"),
        lambda x, t: F.binary_cross_entropy_with_logits(x, x, reduction="avg"),
    ],
)
def test_unknown_reduction(call):
    x, t = _ce_inputs()
    with pytest.raises(ValueError, match="'mean', 'sum' or 'none'; received reduction='avg'"):
        call(x, t)


def test_other_bad_arguments():
    x, t = _ce_inputs()
    with pytest.raises(ValueError, match="label_smoothing must be between 0.0 and 1.0"):
        F.cross_entropy(x, t, label_smoothing=1.5)
    with pytest.raises(ShapeError, match=r"weight must hold one number per class, shape \(5,\)"):
        F.cross_entropy(x, t, weight=np.ones(4))
    with pytest.raises(DTypeError, match="cross_entropy: input must be a floating tensor"):
        F.cross_entropy(sd.tensor([[1, 2]]), sd.tensor([0]))
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\]; received values from"):
        F.binary_cross_entropy(sd.tensor([0.5, 1.5]), sd.tensor([1.0, 0.0]))
    with pytest.raises(ShapeError, match="cross_entropy: input must have a class axis"):
        F.cross_entropy(sd.tensor(1.0), sd.tensor(0))
    with pytest.raises(ValueError, match=r"softmax: axis must be an integer in \[-2, 1\]"):
        F.softmax(x, axis=2)
    with pytest.raises(ShapeError, match=r"pos_weight of shape \(3,\) must broadcast"):
        F.binary_cross_entropy_with_logits(x, np.zeros((3, 5)), pos_weight=np.ones(3))


# ----------------------------------------------------------------------------- huber_loss
HUBER_DELTAS = [1.0, 0.5]


@pytest.mark.parametrize("delta", HUBER_DELTAS)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("shape", REGRESSION_SHAPES)
def test_huber_loss_gradients(rng, shape, reduction, delta):
    """Differences d = x - t of both signs on both sides of delta (kept off |d| = delta)."""
    x, t = rng.standard_normal(shape) * 1.5, rng.standard_normal(shape)
    check_gradients(
        lambda x, t: F.huber_loss(x, t, reduction=reduction, delta=delta), x, t, double=True
    )


@pytest.mark.oracle
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("delta", HUBER_DELTAS)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_huber_loss_matches_torch(rng, reduction, delta, dtype):
    TF = _torch_f()
    compare_with_torch(
        lambda x, t: F.huber_loss(x, t, reduction=reduction, delta=delta),
        lambda x, t: TF.huber_loss(x, t, reduction=reduction, delta=delta),
        rng.standard_normal((6, 5)) * 1.5,
        rng.standard_normal((6, 5)),
        dtype=dtype,
    )


def test_huber_loss_golden_values():
    """delta = 1: d = -0.5 is quadratic (0.125, slope -0.5), d = 3 and -2 are linear (2.5 and
    1.5, slopes 1 and -1); at |d| = delta both branches give 0.5 and slope ±1."""
    x = sd.tensor([1.0, 5.0, 0.0, 2.0, -1.0], dtype="float64", requires_grad=True)
    t = sd.tensor([1.5, 2.0, 2.0, 1.0, 0.0], dtype="float64", requires_grad=True)
    loss = F.huber_loss(x, t, reduction="none")
    np.testing.assert_allclose(loss.data, [0.125, 2.5, 1.5, 0.5, 0.5])
    loss.sum().backward()
    np.testing.assert_allclose(x.grad.data, [-0.5, 1.0, -1.0, 1.0, -1.0])
    np.testing.assert_allclose(t.grad.data, -x.grad.data)


def test_huber_loss_second_derivative():
    """d²l/dx² is 1 in the quadratic zone (boundary included: the clip passes the gradient
    there) and 0 in the linear zone."""
    x = sd.tensor([0.3, 1.0, 2.5, -4.0], dtype="float64", requires_grad=True)
    (dx,) = sd.autograd.grad(F.huber_loss(x, np.zeros(4), reduction="sum"), x, create_graph=True)
    (ddx,) = sd.autograd.grad(dx.sum(), x)
    np.testing.assert_array_equal(ddx.data, [1.0, 1.0, 0.0, 0.0])


def test_huber_loss_bad_arguments():
    x = sd.tensor(np.zeros((4, 1), np.float32))
    with pytest.raises(ShapeError, match=r"huber_loss: target shape \(4,\) .*input shape \(4, 1\)"):
        F.huber_loss(x, np.zeros(4, np.float32))
    with pytest.raises(ValueError, match="huber_loss: delta must be positive.*delta=0.0"):
        F.huber_loss(x, x, delta=0.0)
    with pytest.raises(ValueError, match="huber_loss: delta must be positive.*delta=-1"):
        F.huber_loss(x, x, delta=-1)
    with pytest.raises(TypeError, match="huber_loss: delta must be a positive number"):
        F.huber_loss(x, x, delta="1")
    with pytest.raises(ValueError, match="huber_loss: reduction must be one of"):
        F.huber_loss(x, x, reduction="avg")
    with pytest.raises(DTypeError, match="huber_loss: input must be a floating tensor"):
        F.huber_loss(sd.tensor([1, 2]), sd.tensor([1, 2]))

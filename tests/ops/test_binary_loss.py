"""Tests of scratchdl.ops.binary_loss: binary_cross_entropy and binary_cross_entropy_with_logits,
against finite differences, PyTorch and hand-computed values (their argument errors are tested
with the other losses' in test_loss.py)."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl.nn import functional as F
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

"""AdamW: hand-computed steps, decoupled decay, convergence, PyTorch parity, bad arguments."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl import optim
from scratchdl.nn.parameter import Parameter
from tests.optim import assert_parity, one_step, quadratic_converges
from tests.optim.test_adam import GRADS, W0, reference_adam

CASES = {
    "default_decay": {},
    "strong_decay": {"weight_decay": 0.5},
    "no_decay": {"weight_decay": 0.0},
    "amsgrad": {"amsgrad": True},
    "small_betas": {"betas": (0.3, 0.9), "weight_decay": 0.1},
}


def test_default_weight_decay_is_0_01():
    opt = optim.AdamW([Parameter(np.ones(2, np.float32))])
    assert opt.defaults["weight_decay"] == 1e-2
    assert isinstance(opt, optim.Adam)


@pytest.mark.parametrize("case", CASES)
def test_steps_follow_the_pseudo_code(case):
    kwargs = dict(CASES[case], lr=0.1)
    w, _ = one_step(optim.AdamW, kwargs, W0, GRADS)
    expected = reference_adam(W0, GRADS, decoupled=True, **{"weight_decay": 1e-2, **kwargs})
    np.testing.assert_allclose(w, expected, rtol=1e-13)


def test_decay_shrinks_the_weight_before_the_adam_step():
    # With a zero gradient Adam's step is 0 (m = 0), so only line 1 acts: w *= 1 - lr * wd.
    w, _ = one_step(optim.AdamW, {"lr": 0.1, "weight_decay": 0.5}, [2.0, -4.0], [[0.0, 0.0]])
    np.testing.assert_allclose(w, [1.9, -3.8], rtol=1e-14)


def test_decoupled_decay_differs_from_adams_l2_penalty():
    kwargs = {"lr": 0.1, "weight_decay": 0.5}
    w_adamw, _ = one_step(optim.AdamW, kwargs, W0, GRADS)
    w_adam, _ = one_step(optim.Adam, kwargs, W0, GRADS)
    assert not np.allclose(w_adamw, w_adam)


def test_without_decay_equals_adam():
    w_adamw, _ = one_step(optim.AdamW, {"lr": 0.1, "weight_decay": 0.0}, W0, GRADS)
    w_adam, _ = one_step(optim.Adam, {"lr": 0.1}, W0, GRADS)
    np.testing.assert_array_equal(w_adamw, w_adam)


@pytest.mark.parametrize("case", ["default_decay", "no_decay", "amsgrad"])
def test_converges_on_a_quadratic(case):
    # Decoupled decay pulls the minimum towards 0 by about weight_decay * w / |gradient scale|;
    # with the default 1e-2 that is within the tolerance.
    kwargs = dict(CASES[case], lr=0.05)
    quadratic_converges(optim.AdamW, kwargs, steps=600, tol=2e-2)


def test_strong_decay_ends_closer_to_zero_than_the_target():
    w = Parameter(np.zeros(1, np.float32))
    opt = optim.AdamW([w], lr=0.05, weight_decay=0.5)
    for _ in range(600):
        opt.zero_grad()
        d = w - 3.0
        (0.5 * sd.sum(d * d)).backward()
        opt.step()
    assert 0.0 < w.data[0] < 2.9


@pytest.mark.oracle
@pytest.mark.parametrize("case", CASES)
def test_matches_pytorch_over_100_steps(rng, case):
    lr = 1e-3 if case == "small_betas" else 1e-2  # see test_adam: beta1 = 0.3 is noisier
    assert_parity(optim.AdamW, dict(CASES[case], lr=lr), rng)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"lr": float("nan")}, "AdamW: invalid learning rate lr=nan; expected a number >= 0."),
        ({"betas": (0.9, 1.0)}, "AdamW: invalid betas[1]=1.0"),
        ({"eps": -1.0}, "AdamW: invalid epsilon value eps=-1.0"),
        ({"weight_decay": -0.01}, "AdamW: invalid weight_decay value weight_decay=-0.01"),
    ],
)
def test_bad_hyperparameters(kwargs, message):
    with pytest.raises(ValueError) as info:
        optim.AdamW([Parameter(np.ones(2, np.float32))], **kwargs)
    assert message in str(info.value)

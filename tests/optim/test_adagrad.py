"""Adagrad: hand-computed steps, convergence, PyTorch parity, bad arguments."""

from __future__ import annotations

import numpy as np
import pytest

from scratchdl import optim
from scratchdl.nn.parameter import Parameter
from tests.optim import assert_parity, l2_minimum, one_step, quadratic_converges

CASES = {
    "plain": {},
    "lr_decay": {"lr_decay": 0.05},
    "weight_decay": {"weight_decay": 0.1},
    "initial_accumulator": {"initial_accumulator_value": 0.5},
    "all": {"lr_decay": 0.01, "weight_decay": 0.1, "initial_accumulator_value": 0.1, "eps": 1e-6},
}


def reference_adagrad(w, grads, lr=1e-2, lr_decay=0.0, weight_decay=0.0,
                      initial_accumulator_value=0.0, eps=1e-10):  # fmt: skip
    """The class docstring's pseudo-code, line by line, in float64."""
    w = np.array(w, dtype=np.float64)
    s = np.full_like(w, initial_accumulator_value)
    for t, g in enumerate(grads, start=1):
        g = np.array(g, dtype=np.float64)
        clr = lr / (1 + (t - 1) * lr_decay)  # 1
        if weight_decay != 0:
            g = g + weight_decay * w  # 2
        s = s + g * g  # 3
        w = w - clr * g / (np.sqrt(s) + eps)  # 4
    return w


@pytest.mark.parametrize("case", CASES)
def test_steps_follow_the_pseudo_code(case):
    w0 = [1.0, -2.0, 0.5]
    grads = [[0.5, 1.0, -2.0], [0.1, -0.3, 0.7], [-1.0, 0.2, 0.4]]
    kwargs = dict(CASES[case], lr=0.1)
    w, _ = one_step(optim.Adagrad, kwargs, w0, grads)
    np.testing.assert_allclose(w, reference_adagrad(w0, grads, **kwargs), rtol=1e-13)


def test_golden_values():
    # step 1: s = 9, w = 1 - 0.5 * 3 / 3 = 0.5
    # step 2: s = 9 + 16 = 25, clr = 0.5 / (1 + 1) = 0.25, w = 0.5 - 0.25 * 4 / 5 = 0.3
    kwargs = {"lr": 0.5, "lr_decay": 1.0, "eps": 0.0}
    w, opt = one_step(optim.Adagrad, kwargs, [1.0], [[3.0], [4.0]])
    np.testing.assert_allclose(w, [0.3], rtol=1e-14)
    state = opt.state[opt.param_groups[0]["params"][0]]
    assert state["step"] == 2
    np.testing.assert_allclose(state["sum"], [25.0])


@pytest.mark.parametrize("case", CASES)
def test_converges_on_a_quadratic(case):
    kwargs = dict(CASES[case], lr=0.5)
    if case in ("lr_decay", "all"):  # the decayed lr slows the end of the run
        kwargs["lr_decay"] = 1e-3
    minimum = l2_minimum(kwargs.get("weight_decay", 0.0))
    quadratic_converges(optim.Adagrad, kwargs, steps=500, tol=1e-3, minimum=minimum)


@pytest.mark.oracle
@pytest.mark.parametrize("case", CASES)
def test_matches_pytorch_over_100_steps(rng, case):
    assert_parity(optim.Adagrad, dict(CASES[case], lr=0.05), rng)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"lr": float("nan")}, "Adagrad: invalid learning rate lr=nan; expected a number >= 0."),
        ({"lr_decay": -0.1}, "Adagrad: invalid lr_decay value lr_decay=-0.1"),
        ({"weight_decay": -0.1}, "Adagrad: invalid weight_decay value weight_decay=-0.1"),
        ({"initial_accumulator_value": -1.0}, "initial_accumulator_value=-1.0"),
        ({"eps": -1e-10}, "Adagrad: invalid epsilon value eps=-1e-10"),
    ],
)
def test_bad_hyperparameters(kwargs, message):
    with pytest.raises(ValueError) as info:
        optim.Adagrad([Parameter(np.ones(2, np.float32))], **kwargs)
    assert message in str(info.value)

"""RMSprop: hand-computed steps, convergence, PyTorch parity, bad arguments."""

from __future__ import annotations

import numpy as np
import pytest

from scratchdl import optim
from scratchdl.nn.parameter import Parameter
from tests.optim import assert_parity, l2_minimum, one_step, quadratic_converges

CASES = {
    "plain": {},
    "centered": {"centered": True},
    "momentum": {"momentum": 0.9},
    "weight_decay": {"weight_decay": 0.1},
    "all": {"centered": True, "momentum": 0.5, "weight_decay": 0.1, "alpha": 0.9},
}


def reference_rmsprop(w, grads, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0,
                      centered=False):  # fmt: skip
    """The class docstring's pseudo-code, line by line, in float64."""
    w = np.array(w, dtype=np.float64)
    v = np.zeros_like(w)
    g_avg = np.zeros_like(w)
    b = np.zeros_like(w)
    for g in grads:
        g = np.array(g, dtype=np.float64)
        if weight_decay != 0:
            g = g + weight_decay * w  # 1
        v = alpha * v + (1 - alpha) * g * g  # 2
        if centered:
            g_avg = alpha * g_avg + (1 - alpha) * g  # 4
            denom = np.sqrt(v - g_avg * g_avg) + eps  # 5
        else:
            denom = np.sqrt(v) + eps  # 7
        if momentum > 0:
            b = momentum * b + g / denom  # 9
            w = w - lr * b  # 10
        else:
            w = w - lr * g / denom  # 12
    return w


@pytest.mark.parametrize("case", CASES)
def test_steps_follow_the_pseudo_code(case):
    w0 = [1.0, -2.0, 0.5]
    grads = [[0.5, 1.0, -2.0], [0.1, -0.3, 0.7], [-1.0, 0.2, 0.4]]
    kwargs = dict(CASES[case], lr=0.1)
    w, _ = one_step(optim.RMSprop, kwargs, w0, grads)
    np.testing.assert_allclose(w, reference_rmsprop(w0, grads, **kwargs), rtol=1e-13)


def test_golden_first_step():
    # v = 0.01 * g^2, so the first step is lr * g / (0.1 |g| + eps) = 10 * lr * sign(g)
    w, opt = one_step(optim.RMSprop, {"lr": 0.01, "eps": 0.0}, [1.0, 1.0], [[3.0, -0.2]])
    np.testing.assert_allclose(w, [0.9, 1.1], rtol=1e-14)
    state = opt.state[opt.param_groups[0]["params"][0]]
    assert set(state) == {"step", "square_avg"}
    np.testing.assert_allclose(state["square_avg"], [0.09, 0.0004], rtol=1e-13)


def test_centered_and_momentum_keep_their_buffers():
    _, opt = one_step(optim.RMSprop, {"centered": True, "momentum": 0.9}, [1.0], [[1.0]])
    state = opt.state[opt.param_groups[0]["params"][0]]
    assert set(state) == {"step", "square_avg", "grad_avg", "momentum_buffer"}
    np.testing.assert_allclose(state["grad_avg"], [0.01], rtol=1e-13)


@pytest.mark.parametrize("case", CASES)
def test_converges_on_a_quadratic(case):
    # RMSprop's step does not shrink near the minimum (it divides by |g|), so a decaying lr
    # would be needed for high precision; lr=1e-2 for 800 steps lands within 2e-2.
    kwargs = dict(CASES[case], lr=1e-2)
    minimum = l2_minimum(kwargs.get("weight_decay", 0.0))
    quadratic_converges(optim.RMSprop, kwargs, steps=800, tol=2e-2, minimum=minimum)


@pytest.mark.oracle
@pytest.mark.parametrize("case", CASES)
def test_matches_pytorch_over_100_steps(rng, case):
    # lr 1e-3: RMSprop divides by a running RMS that can be tiny for some weights, and with
    # larger steps the MLP's trajectories amplify last-bit differences past float32 rounding.
    assert_parity(optim.RMSprop, dict(CASES[case], lr=1e-3), rng)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"lr": float("nan")}, "RMSprop: invalid learning rate lr=nan; expected a number >= 0."),
        ({"eps": -1.0}, "RMSprop: invalid epsilon value eps=-1.0"),
        ({"momentum": -0.9}, "RMSprop: invalid momentum value momentum=-0.9"),
        ({"weight_decay": -1}, "RMSprop: invalid weight_decay value weight_decay=-1"),
        ({"alpha": -0.5}, "RMSprop: invalid alpha value alpha=-0.5"),
    ],
)
def test_bad_hyperparameters(kwargs, message):
    with pytest.raises(ValueError) as info:
        optim.RMSprop([Parameter(np.ones(2, np.float32))], **kwargs)
    assert message in str(info.value)

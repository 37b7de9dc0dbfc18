"""SGD: hand-computed steps, convergence, PyTorch parity, bad arguments."""

from __future__ import annotations

import numpy as np
import pytest

from scratchdl import optim
from scratchdl.nn.parameter import Parameter
from tests.optim import assert_parity, l2_minimum, one_step, quadratic_converges

CASES = {
    "plain": {"lr": 0.1},
    "momentum": {"lr": 0.1, "momentum": 0.9},
    "dampening": {"lr": 0.1, "momentum": 0.9, "dampening": 0.5},
    "nesterov": {"lr": 0.1, "momentum": 0.9, "nesterov": True},
    "weight_decay": {"lr": 0.1, "weight_decay": 0.1},
    "nesterov_decay": {"lr": 0.1, "momentum": 0.8, "nesterov": True, "weight_decay": 0.1},
    "dampening_decay": {"lr": 0.1, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.1},
}


def reference_sgd(w, grads, lr, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
    """The class docstring's pseudo-code, line by line, in float64."""
    w = np.array(w, dtype=np.float64)
    b = None
    for g in grads:
        g = np.array(g, dtype=np.float64)
        if weight_decay != 0:
            g = g + weight_decay * w  # 1
        if momentum != 0:
            b = g.copy() if b is None else momentum * b + (1 - dampening) * g  # 3, 4
            g = g + momentum * b if nesterov else b  # 5, 6
        w = w - lr * g  # 7
    return w


@pytest.mark.parametrize("case", CASES)
def test_steps_follow_the_pseudo_code(case):
    w0 = [1.0, -2.0, 0.5]
    grads = [[0.5, 1.0, -2.0], [0.1, -0.3, 0.7], [-1.0, 0.2, 0.4]]
    w, _ = one_step(optim.SGD, CASES[case], w0, grads)
    np.testing.assert_allclose(w, reference_sgd(w0, grads, **CASES[case]), rtol=1e-13)


def test_golden_values_of_momentum():
    # b1 = g1 = 1; w1 = 1 - 0.1 * 1 = 0.9
    # b2 = 0.9 * 1 + 2 = 2.9; w2 = 0.9 - 0.1 * 2.9 = 0.61
    w, opt = one_step(optim.SGD, {"lr": 0.1, "momentum": 0.9}, [1.0], [[1.0], [2.0]])
    np.testing.assert_allclose(w, [0.61], rtol=1e-14)
    np.testing.assert_allclose(opt.state[opt.param_groups[0]["params"][0]]["momentum_buffer"], 2.9)


def test_golden_values_of_nesterov():
    # b1 = 1; g = 1 + 0.5 * 1 = 1.5; w = 2 - 0.1 * 1.5 = 1.85
    w, _ = one_step(optim.SGD, {"lr": 0.1, "momentum": 0.5, "nesterov": True}, [2.0], [[1.0]])
    np.testing.assert_allclose(w, [1.85], rtol=1e-14)


def test_without_momentum_keeps_no_state():
    _, opt = one_step(optim.SGD, {"lr": 0.1}, [1.0], [[1.0]])
    assert opt.state == {}


@pytest.mark.parametrize("case", CASES)
def test_converges_on_a_quadratic(case):
    kwargs = CASES[case]
    minimum = l2_minimum(kwargs.get("weight_decay", 0.0))
    quadratic_converges(optim.SGD, kwargs, steps=300, minimum=minimum)


@pytest.mark.oracle
@pytest.mark.parametrize("case", CASES)
def test_matches_pytorch_over_100_steps(rng, case):
    # lr 0.02: with momentum 0.9 the effective step is 10x lr, and at lr 0.05 this MLP's
    # trajectories already amplify last-bit differences to about the tolerance.
    assert_parity(optim.SGD, dict(CASES[case], lr=0.02), rng)


@pytest.mark.oracle
def test_matches_pytorch_with_param_groups(rng):
    groups = [([0, 1], {}), ([2, 3], {"lr": 0.01, "momentum": 0.5})]
    assert_parity(optim.SGD, {"lr": 0.02, "momentum": 0.9}, rng, groups=groups)


def test_gradient_arrays_are_not_written(rng):
    kwargs = CASES["nesterov_decay"]
    grads = [rng.standard_normal(3) for _ in range(3)]
    copies = [g.copy() for g in grads]
    one_step(optim.SGD, kwargs, [1.0, 2.0, 3.0], grads)
    for g, c in zip(grads, copies):
        np.testing.assert_array_equal(g, c)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"lr": float("nan")}, "SGD: invalid learning rate lr=nan; expected a number >= 0."),
        ({"lr": -0.1}, "SGD: invalid learning rate lr=-0.1"),
        ({"lr": 0.1, "momentum": -0.5}, "SGD: invalid momentum value momentum=-0.5"),
        ({"lr": 0.1, "weight_decay": -1.0}, "SGD: invalid weight_decay value weight_decay=-1.0"),
        ({"lr": 0.1, "nesterov": True}, "SGD: Nesterov momentum requires momentum > 0"),
        (
            {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True},
            "dampening = 0; received momentum=0.9, dampening=0.1",
        ),
    ],
)
def test_bad_hyperparameters(kwargs, message):
    with pytest.raises(ValueError) as info:
        optim.SGD([Parameter(np.ones(2, np.float32))], **kwargs)
    assert message in str(info.value)

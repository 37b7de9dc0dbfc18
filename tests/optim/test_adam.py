"""Adam: hand-computed steps, convergence, PyTorch parity, bad arguments."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl import optim
from scratchdl.nn.parameter import Parameter
from tests.optim import assert_parity, l2_minimum, one_step, quadratic_converges

CASES = {
    "plain": {},
    "weight_decay": {"weight_decay": 0.1},
    "amsgrad": {"amsgrad": True},
    "amsgrad_decay": {"amsgrad": True, "weight_decay": 0.1},
    "small_betas": {"betas": (0.3, 0.9)},  # beta1 < 0.5 takes lerp's other rounding branch
    "eps": {"eps": 1e-3},
}


def reference_adam(w, grads, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                   amsgrad=False, decoupled=False):  # fmt: skip
    """The class docstring's pseudo-code (Adam, or AdamW with decoupled=True), in float64."""
    beta1, beta2 = betas
    w = np.array(w, dtype=np.float64)
    m = np.zeros_like(w)
    v = np.zeros_like(w)
    v_max = np.zeros_like(w)
    for t, g in enumerate(grads, start=1):
        g = np.array(g, dtype=np.float64)
        if decoupled:
            w = w * (1 - lr * weight_decay)  # AdamW line 1
        elif weight_decay != 0:
            g = g + weight_decay * w  # 1
        m = beta1 * m + (1 - beta1) * g  # 2
        v = beta2 * v + (1 - beta2) * g * g  # 3
        if amsgrad:  # 4
            v_max = np.maximum(v_max, v)
            v_hat = v_max
        else:
            v_hat = v
        bias_correction1 = 1 - beta1**t  # 5
        bias_correction2 = 1 - beta2**t  # 6
        denom = np.sqrt(v_hat) / np.sqrt(bias_correction2) + eps  # 7
        w = w - (lr / bias_correction1) * m / denom  # 8
    return w


W0 = [1.0, -2.0, 0.5]
# The second gradient is small, so AMSGrad's maximum differs from v on step 3.
GRADS = [[0.5, 1.0, -2.0], [0.01, -0.03, 0.07], [-1.0, 0.2, 0.4]]


@pytest.mark.parametrize("case", CASES)
def test_steps_follow_the_pseudo_code(case):
    kwargs = dict(CASES[case], lr=0.1)
    w, _ = one_step(optim.Adam, kwargs, W0, GRADS)
    np.testing.assert_allclose(w, reference_adam(W0, GRADS, **kwargs), rtol=1e-13)


def test_golden_first_step():
    # m = 0.1 g, v = 0.001 g^2; m_hat = g, v_hat = g^2: w = w - lr * g / (|g| + eps)
    w, opt = one_step(optim.Adam, {"lr": 0.1, "eps": 0.0}, [1.0, 1.0], [[4.0, -0.5]])
    np.testing.assert_allclose(w, [0.9, 1.1], rtol=1e-14)
    state = opt.state[opt.param_groups[0]["params"][0]]
    assert state["step"] == 1
    np.testing.assert_allclose(state["exp_avg"], [0.4, -0.05], rtol=1e-14)
    np.testing.assert_allclose(state["exp_avg_sq"], [0.016, 0.00025], rtol=1e-12)


def test_amsgrad_keeps_the_largest_second_moment():
    _, opt = one_step(optim.Adam, {"amsgrad": True}, [0.0], [[10.0], [0.0]])
    state = opt.state[opt.param_groups[0]["params"][0]]
    np.testing.assert_allclose(state["max_exp_avg_sq"], [0.1], rtol=1e-12)
    np.testing.assert_allclose(state["exp_avg_sq"], [0.0999], rtol=1e-12)


@pytest.mark.parametrize("case", CASES)
def test_converges_on_a_quadratic(case):
    kwargs = dict(CASES[case], lr=0.05)
    minimum = l2_minimum(kwargs.get("weight_decay", 0.0))
    quadratic_converges(optim.Adam, kwargs, steps=600, tol=2e-3, minimum=minimum)


@pytest.mark.oracle
@pytest.mark.parametrize("case", CASES)
def test_matches_pytorch_over_100_steps(rng, case):
    # lr 1e-2 for the default betas; with beta1 = 0.3 the steps are noisier, and 1e-3 keeps the
    # 100-step trajectories from amplifying the last-bit differences beyond float32 rounding.
    lr = 1e-3 if case == "small_betas" else 1e-2
    assert_parity(optim.Adam, dict(CASES[case], lr=lr), rng)


@pytest.mark.oracle
def test_matches_pytorch_with_param_groups(rng):
    groups = [([0, 1], {}), ([2, 3], {"lr": 1e-3, "amsgrad": True})]
    assert_parity(optim.Adam, {"lr": 1e-2}, rng, groups=groups)


def test_float32_state_stays_float32():
    p = Parameter(np.ones(3, np.float32))
    opt = optim.Adam([p], weight_decay=0.1, amsgrad=True)
    for _ in range(3):
        p.grad = sd.tensor(np.full(3, 0.5, np.float32))
        opt.step()
    state = opt.state[p]
    assert p.dtype == np.float32
    assert {state[k].dtype for k in ("exp_avg", "exp_avg_sq", "max_exp_avg_sq")} == {
        np.dtype(np.float32)
    }
    assert isinstance(state["step"], int)


def test_zero_dimensional_parameter():
    w, _ = one_step(optim.Adam, {"lr": 0.1, "weight_decay": 0.1}, 1.0, [2.0, 1.0])
    assert w.shape == ()
    np.testing.assert_allclose(w, reference_adam(1.0, [2.0, 1.0], lr=0.1, weight_decay=0.1))


def test_gradient_arrays_are_not_written(rng):
    grads = [rng.standard_normal(3) for _ in range(3)]
    copies = [g.copy() for g in grads]
    one_step(optim.Adam, {"weight_decay": 0.1, "amsgrad": True}, [1.0, 2.0, 3.0], grads)
    for g, c in zip(grads, copies):
        np.testing.assert_array_equal(g, c)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"lr": float("nan")}, "Adam: invalid learning rate lr=nan; expected a number >= 0."),
        ({"lr": -1e-3}, "Adam: invalid learning rate lr=-0.001"),
        ({"eps": -1e-8}, "Adam: invalid epsilon value eps=-1e-08"),
        ({"betas": (1.0, 0.999)}, "Adam: invalid betas[0]=1.0; expected a number with 0 <="),
        ({"betas": (0.9, -0.1)}, "Adam: invalid betas[1]=-0.1"),
        ({"betas": (0.9, float("nan"))}, "Adam: invalid betas[1]=nan"),
        ({"betas": 0.9}, "Adam: betas must be a pair (beta1, beta2); received betas=0.9"),
        ({"weight_decay": -0.1}, "Adam: invalid weight_decay value weight_decay=-0.1"),
    ],
)
def test_bad_hyperparameters(kwargs, message):
    with pytest.raises(ValueError) as info:
        optim.Adam([Parameter(np.ones(2, np.float32))], **kwargs)
    assert message in str(info.value)

"""tests for scratchdl.manual.optimizers: one step of each rule against a hand computation, the
inputs left untouched, and several steps against scratchdl.optim where the rules coincide."""

from __future__ import annotations

import math

import numpy as np
import pytest

import scratchdl as sd
from scratchdl.manual import (
    initialize_adam,
    initialize_rmsprop,
    initialize_velocity,
    update_parameters_with_adam,
    update_parameters_with_gd,
    update_parameters_with_momentum,
    update_parameters_with_rmsprop,
)


def _params():
    return {
        "W1": np.array([[1.0, -2.0]]),
        "b1": np.array([[0.5]]),
        "W2": np.array([[3.0]]),
        "b2": np.array([[-1.0]]),
    }


def _grads():
    return {
        "dW1": np.array([[0.2, -0.4]]),
        "db1": np.array([[1.0]]),
        "dW2": np.array([[-3.0]]),
        "db2": np.array([[0.0]]),
        "dA0": np.array([[9.0]]),  # ignored by every update
    }


def _copy(d):
    return {k: v.copy() for k, v in d.items()}


def _assert_unchanged(before, after):
    for k in before:
        np.testing.assert_array_equal(before[k], after[k])


def test_gd_one_step():
    p, g = _params(), _grads()
    new = update_parameters_with_gd(p, g, learning_rate=0.1)
    np.testing.assert_allclose(new["W1"], [[0.98, -1.96]], rtol=1e-15)
    np.testing.assert_allclose(new["b1"], [[0.4]], rtol=1e-15)
    np.testing.assert_allclose(new["W2"], [[3.3]], rtol=1e-15)
    np.testing.assert_array_equal(new["b2"], [[-1.0]])
    assert list(new) == ["W1", "b1", "W2", "b2"]
    _assert_unchanged(_params(), p)


def test_state_initializers_are_zero_and_shaped():
    p = _params()
    for state in [initialize_velocity(p), initialize_rmsprop(p), *initialize_adam(p)]:
        assert list(state) == ["dW1", "db1", "dW2", "db2"]
        for name in ["W1", "b1", "W2", "b2"]:
            assert state[f"d{name}"].shape == p[name].shape
            assert not state[f"d{name}"].any()


def test_momentum_two_steps():
    p, g = _params(), _grads()
    v = initialize_velocity(p)
    p1, v1 = update_parameters_with_momentum(p, g, v, beta=0.9, learning_rate=0.1)
    # v = 0.9 * 0 + 0.1 * dW;  W = W - 0.1 * v
    np.testing.assert_allclose(v1["dW1"], [[0.02, -0.04]], rtol=1e-14)
    np.testing.assert_allclose(p1["W1"], [[0.998, -1.996]], rtol=1e-14)
    np.testing.assert_allclose(p1["W2"], [[3.03]], rtol=1e-14)
    p2, v2 = update_parameters_with_momentum(p1, g, v1, beta=0.9, learning_rate=0.1)
    # v = 0.9 * 0.1 dW + 0.1 dW = 0.19 dW
    np.testing.assert_allclose(v2["db1"], [[0.19]], rtol=1e-14)
    np.testing.assert_allclose(p2["b1"], [[0.5 - 0.01 - 0.019]], rtol=1e-14)
    _assert_unchanged(initialize_velocity(p), v)


def test_rmsprop_one_step():
    p, g = _params(), _grads()
    s = initialize_rmsprop(p)
    new, s1 = update_parameters_with_rmsprop(p, g, s, beta=0.9, learning_rate=0.01, epsilon=1e-8)
    # s = 0.1 dW²;  W = W - 0.01 dW / (sqrt(0.1) |dW| + eps) = W - 0.01 sign(dW) / sqrt(0.1)
    np.testing.assert_allclose(s1["dW1"], [[0.004, 0.016]], rtol=1e-14)
    step = 0.01 / (math.sqrt(0.1) + 1e-8 / 0.2)
    np.testing.assert_allclose(new["W1"][0, 0], 1.0 - step, rtol=1e-14)
    np.testing.assert_allclose(new["W2"], [[3.0 + 0.01 / (math.sqrt(0.1) + 1e-8 / 3)]], rtol=1e-14)
    np.testing.assert_array_equal(new["b2"], [[-1.0]])  # zero gradient, zero step


def test_adam_first_step_is_learning_rate_times_sign():
    p, g = _params(), _grads()
    v, s = initialize_adam(p)
    v_copy, s_copy = _copy(v), _copy(s)
    new, v1, s1 = update_parameters_with_adam(p, g, v, s, t=1, learning_rate=0.01)
    # v = 0.1 dW, s = 0.001 dW²; corrected: v̂ = dW, ŝ = dW²; step = dW / (|dW| + eps)
    np.testing.assert_allclose(v1["dW2"], [[-0.3]], rtol=1e-14)
    np.testing.assert_allclose(s1["dW2"], [[0.009]], rtol=1e-12)
    expected_W1 = [[1.0 - 0.01 * 0.2 / (0.2 + 1e-8), -2.0 + 0.01 * 0.4 / (0.4 + 1e-8)]]
    np.testing.assert_allclose(new["W1"], expected_W1, rtol=1e-12)
    np.testing.assert_allclose(new["W2"], [[3.0 + 0.01 * 3 / (3 + 1e-8)]], rtol=1e-12)
    _assert_unchanged(v_copy, v)
    _assert_unchanged(s_copy, s)
    _assert_unchanged(_params(), p)


def test_adam_second_step_hand_computed():
    p, g = _params(), _grads()
    v, s = initialize_adam(p)
    p1, v1, s1 = update_parameters_with_adam(p, g, v, s, t=1, learning_rate=0.01)
    g2 = {k: 2 * x for k, x in g.items()}
    p2, _, _ = update_parameters_with_adam(p1, g2, v1, s1, t=2, learning_rate=0.01)
    dW, dW2 = -3.0, -6.0
    m2 = 0.9 * 0.1 * dW + 0.1 * dW2
    v2 = 0.999 * 0.001 * dW**2 + 0.001 * dW2**2
    m_hat, v_hat = m2 / (1 - 0.9**2), v2 / (1 - 0.999**2)
    expected = p1["W2"][0, 0] - 0.01 * m_hat / (math.sqrt(v_hat) + 1e-8)
    assert p2["W2"][0, 0] == pytest.approx(expected, rel=1e-13)


def test_adam_rejects_t_zero():
    p = _params()
    v, s = initialize_adam(p)
    with pytest.raises(ValueError, match="t=0"):
        update_parameters_with_adam(p, _grads(), v, s, t=0)


def _run_scratchdl_optimizer(make, p, grads_per_step):
    tensors = {k: sd.nn.Parameter(v.copy()) for k, v in p.items()}
    opt = make(list(tensors.values()))
    for grads in grads_per_step:
        for k, t in tensors.items():
            t.grad = sd.tensor(grads[f"d{k}"])
        opt.step()
    return {k: t.data for k, t in tensors.items()}


def test_adam_and_rmsprop_match_scratchdl_optim(rng):
    p = _params()
    steps = [{f"d{k}": rng.standard_normal(v.shape) for k, v in p.items()} for _ in range(5)]
    manual, (v, s) = p, initialize_adam(p)
    for t, grads in enumerate(steps, start=1):
        manual, v, s = update_parameters_with_adam(manual, grads, v, s, t, learning_rate=0.05)
    auto = _run_scratchdl_optimizer(lambda ps: sd.optim.Adam(ps, lr=0.05), p, steps)
    for k in p:
        np.testing.assert_allclose(manual[k], auto[k], rtol=1e-12, err_msg=k)

    manual, s = p, initialize_rmsprop(p)
    for grads in steps:
        manual, s = update_parameters_with_rmsprop(manual, grads, s, beta=0.99, learning_rate=0.01)
    auto = _run_scratchdl_optimizer(lambda ps: sd.optim.RMSprop(ps, lr=0.01, alpha=0.99), p, steps)
    for k in p:
        np.testing.assert_allclose(manual[k], auto[k], rtol=1e-12, err_msg=k)


@pytest.mark.parametrize("optimizer", ["gd", "momentum", "rmsprop", "adam"])
def test_optimizers_keep_float32(optimizer):
    p = {k: v.astype(np.float32) for k, v in _params().items()}
    g = {k: v.astype(np.float32) for k, v in _grads().items()}
    if optimizer == "gd":
        new = update_parameters_with_gd(p, g, 0.1)
    elif optimizer == "momentum":
        new, _ = update_parameters_with_momentum(p, g, initialize_velocity(p))
    elif optimizer == "rmsprop":
        new, _ = update_parameters_with_rmsprop(p, g, initialize_rmsprop(p))
    else:
        new, _, _ = update_parameters_with_adam(p, g, *initialize_adam(p), t=1)
    assert all(x.dtype == np.float32 for x in new.values())

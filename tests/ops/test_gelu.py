"""Tests of ops/gelu.py: gelu, exact and with the tanh approximation.

GELU also runs through the shared activation tables (gradients, golden values, stability, dtypes,
the PyTorch oracle) in test_activation.py.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import scratchdl as sd
from tests._harness.gradients import check_gradients


def _input(rng, shape, scale: float = 2.0) -> np.ndarray:
    z = scale * np.asarray(rng.standard_normal(shape))
    z = np.sign(z) * (np.abs(z) + 0.1) + (z == 0) * 0.1  # |x| >= 0.1
    near_threshold = np.abs(2.0 * z - 1.0) < 0.1  # softplus(beta=2, threshold=1)
    return np.where(near_threshold, z + 0.1, z)


@pytest.mark.parametrize("approximate", ["none", "tanh"])
def test_gelu_gradients_over_the_erf_intervals(approximate):
    # x/√2 in each of the three intervals of Cody's erf (|.| <= 0.47, <= 4, > 4) and the far tail.
    x = np.array([-9.0, -6.5, -3.0, -0.6, -0.2, 0.3, 0.65, 2.0, 5.0, 8.0])
    check_gradients(lambda t: sd.gelu(t, approximate=approximate), x, double=True)


def test_gelu_third_derivative(rng):
    # GeluSlope's backward is written in Tensor ops, so even the second derivative is
    # differentiable: gradgradcheck of the first derivative checks the third.
    x = sd.tensor(_input(rng, (5,)), dtype="float64", requires_grad=True)
    for approximate in ("none", "tanh"):

        def slope(t, approximate=approximate):
            (dx,) = sd.autograd.grad(
                [sd.gelu(t, approximate=approximate).sum()], [t], create_graph=True
            )
            return dx

        assert sd.gradgradcheck(slope, [x])


def test_gelu_tanh_golden():
    # u = √(2/π)(1 + 0.044715) at x = 1; y = (1 + tanh u) / 2.
    u = math.sqrt(2 / math.pi) * 1.044715
    t = math.tanh(u)
    du = math.sqrt(2 / math.pi) * (1 + 3 * 0.044715)
    x = sd.tensor([1.0], dtype="float64", requires_grad=True)
    y = sd.gelu(x, approximate="tanh")
    y.backward(sd.ones_like(y))
    assert y.item() == pytest.approx((1 + t) / 2, rel=1e-15)
    assert x.grad.item() == pytest.approx((1 + t) / 2 + (1 - t * t) * du / 2, rel=1e-14)

"""Tests of the public gradient checker: it must catch a wrong gradient and say where."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl.autograd import Function, GradcheckError


class WrongSquare(Function):
    """y = x^2 with a deliberately wrong gradient 3x, to prove gradcheck can fail."""

    def forward(self, x):
        return x * x

    def backward(self, g):
        (x,) = self.inputs
        return g * x * 3.0


def test_gradcheck_passes_on_correct_gradient():
    x = sd.tensor([[0.3, -1.1]], dtype="float64", requires_grad=True)
    assert sd.gradcheck(lambda t: t * t * t, x)
    assert sd.gradgradcheck(lambda t: t * t * t, x)


def test_gradcheck_reports_input_element_and_values():
    x = sd.tensor([0.5, -2.0], dtype="float64", requires_grad=True)
    with pytest.raises(
        GradcheckError, match=r"input 0 \(shape \(2,\)\).*element \(0,\).*numerical"
    ):
        sd.gradcheck(WrongSquare.apply, x)
    assert sd.gradcheck(WrongSquare.apply, x, raise_exception=False) is False


def test_gradgradcheck_catches_wrong_double_backward():
    class ConstantSlope(Function):
        """y = x^2 but backward uses a constant copy of x, so double backward is wrong."""

        def forward(self, x):
            self.x = x
            return x * x

        def backward(self, g):
            return g * sd.tensor(2.0 * self.x)

    x = sd.tensor([0.5, -2.0], dtype="float64", requires_grad=True)
    assert sd.gradcheck(ConstantSlope.apply, x)
    with pytest.raises(GradcheckError):
        sd.gradgradcheck(ConstantSlope.apply, x)


def test_gradcheck_requires_float64():
    with pytest.raises(ValueError, match="float64"):
        sd.gradcheck(lambda t: t * 2.0, sd.tensor([1.0], requires_grad=True))


def test_gradcheck_restores_inputs():
    data = np.array([0.1, 0.2])
    x = sd.tensor(data, requires_grad=True)
    sd.gradcheck(lambda t: t * t, x)
    np.testing.assert_array_equal(x.data, data)


def test_gradgradcheck_catches_backward_built_from_raw_arrays():
    class RawSquare(Function):
        """y = x^2, with a backward that leaves the graph (not differentiable)."""

        def forward(self, x):
            return x * x

        def backward(self, g):
            (x,) = self.inputs
            return sd.tensor(2.0 * x.data * g.data)

    x = sd.tensor([0.5, -2.0], dtype="float64", requires_grad=True)
    assert sd.gradcheck(RawSquare.apply, x)
    with pytest.raises(GradcheckError):
        sd.gradgradcheck(RawSquare.apply, x)

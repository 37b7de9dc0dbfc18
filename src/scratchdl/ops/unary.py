"""Elementwise math of one tensor: exp, log, sqrt, abs, sin, cos, clip.

The building blocks of losses (log in cross-entropy, exp in softmax), normalisation (sqrt of a
variance), positional encodings (sin, cos) and gradient tricks (clip). Each backward is the
local derivative times the upstream gradient g, written in Tensor ops so that it can be
differentiated again; where the derivative is the output itself (exp) or simpler in terms of
it (sqrt), it reuses the live output instead of recomputing.
"""

from __future__ import annotations

import numpy as np

from scratchdl.autograd.function import Function
from scratchdl.ops._convert import constant
from scratchdl.ops._convert import floating as _floating
from scratchdl.tensor import Tensor

__all__ = ["abs", "clip", "cos", "exp", "log", "sin", "sqrt"]


class Exp(Function):
    """y = e^x

    Backward: dy/dx = e^x = y, so dx = g * y.
    Saved for backward: the output y (no second exp).
    Shapes: any; y has x's shape.
    Notes: overflows to inf for x > 88.7 (float32) or 709.8 (float64), with NumPy's warning.
    Double backward: supported (y is the live output, so d/dx of g * y sees dy/dx = y).
    """

    def forward(self, x):
        return np.exp(x)

    def backward(self, g):
        return g * self.output()


class Log(Function):
    """y = ln(x)

    Backward: dy/dx = 1/x, so dx = g / x.
    Shapes: any; y has x's shape.
    Notes: log(0) = -inf and log(x < 0) = nan, with NumPy's warnings; the gradient at 0 is inf.
    Double backward: supported.
    """

    def forward(self, x):
        return np.log(x)

    def backward(self, g):
        (x,) = self.inputs
        return g / x


class Sqrt(Function):
    """y = √x

    Backward: dy/dx = 1 / (2√x) = 1 / (2y) (the output-based form), so dx = g / (y * 2).
    Saved for backward: the output y.
    Shapes: any; y has x's shape.
    Notes: at x = 0 the gradient is inf (as in PyTorch); sqrt(x < 0) = nan with NumPy's warning.
    Double backward: supported (y is the live output).
    """

    def forward(self, x):
        return np.sqrt(x)

    def backward(self, g):
        return g / (self.output() * 2.0)


class Abs(Function):
    """y = |x|

    Backward: dy/dx = sign(x), so dx = g * sign(x).
    Shapes: any; y has x's shape.
    Notes: at the kink x = 0 the gradient is sign(0) = 0 (PyTorch's convention; 0 lies in the
    subgradient [-1, 1], and it is the average of the two one-sided slopes).
    Double backward: supported (sign(x) is piecewise constant).
    """

    def forward(self, x):
        return np.abs(x)

    def backward(self, g):
        (x,) = self.inputs
        return g * constant(np.sign(x.data, out=np.empty_like(x.data)))


class Sin(Function):
    """y = sin(x)

    Backward: dy/dx = cos(x), so dx = g * cos(x).
    Shapes: any; y has x's shape.
    Double backward: supported (cos is itself an op).
    """

    def forward(self, x):
        return np.sin(x)

    def backward(self, g):
        (x,) = self.inputs
        return g * cos(x)


class Cos(Function):
    """y = cos(x)

    Backward: dy/dx = -sin(x), so dx = -(g * sin(x)).
    Shapes: any; y has x's shape.
    Double backward: supported (sin is itself an op).
    """

    def forward(self, x):
        return np.cos(x)

    def backward(self, g):
        (x,) = self.inputs
        return -(g * sin(x))


class Clip(Function):
    """y = min(max(x, min), max), elementwise; a missing bound is -inf or +inf

    Backward: dy/dx = 1 where min <= x <= max and 0 where x was clipped, so dx = g * mask
    with mask = [min <= x <= max].
    Saved for backward: the boolean mask, only when x requires grad.
    Shapes: any; y has x's shape.
    Notes: the gradient passes at the boundaries themselves, x = min or x = max (PyTorch's
    clamp convention: the value there is not changed by the clip). When min > max every
    element becomes max and no gradient passes (as in PyTorch).
    Double backward: supported (the mask is piecewise constant).
    """

    def forward(self, x, min, max):  # noqa: A002  (NumPy's names)
        if x.dtype.kind == "f":  # ±inf bounds keep np.clip on its fast path (None is 4x slower)
            min = -np.inf if min is None else min
            max = np.inf if max is None else max
        if self.needs_input_grad[0]:
            self.mask = (x >= min) & (x <= max)
        return np.clip(x, min, max)

    def backward(self, g):
        return g * constant(self.mask)


def exp(x: Tensor) -> Tensor:
    """Exponential ``e**x``, elementwise. See ``Exp`` for the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.exp(sd.tensor([0.0, 1.0]))
    tensor([1.    , 2.7183])
    """
    return Exp.apply(_floating(x))


def log(x: Tensor) -> Tensor:
    """Natural logarithm, elementwise. See ``Log`` for the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.log(sd.tensor([1.0, 100.0]))
    tensor([0.    , 4.6052])
    """
    return Log.apply(_floating(x))


def sqrt(x: Tensor) -> Tensor:
    """Square root, elementwise. See ``Sqrt`` for the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.sqrt(sd.tensor([4.0, 2.0]))
    tensor([2.    , 1.4142])
    """
    return Sqrt.apply(_floating(x))


def abs(x: Tensor) -> Tensor:  # noqa: A001  (NumPy/PyTorch name)
    """Absolute value, elementwise. The gradient at 0 is 0; see ``Abs``.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.abs(sd.tensor([-1.5, 0.0, 2.0]))
    tensor([1.5, 0. , 2. ])
    """
    return Abs.apply(constant(x))


def sin(x: Tensor) -> Tensor:
    """Sine of ``x`` in radians, elementwise. See ``Sin`` for the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.sin(sd.tensor([0.0, 1.0]))
    tensor([0.    , 0.8415])
    """
    return Sin.apply(_floating(x))


def cos(x: Tensor) -> Tensor:
    """Cosine of ``x`` in radians, elementwise. See ``Cos`` for the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.cos(sd.tensor([0.0, 1.0]))
    tensor([1.    , 0.5403])
    """
    return Cos.apply(_floating(x))


def _bound(name: str, value):
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(
            f"clip: {name} must be a number or None; received {name}={value!r}. For bounds that "
            "vary elementwise, use sd.maximum(x, low) and sd.minimum(x, high)."
        )
    return value.item() if isinstance(value, np.number) else value


def clip(
    x: Tensor,
    min: float | None = None,  # noqa: A002  (NumPy's argument names)
    max: float | None = None,  # noqa: A002
) -> Tensor:
    """Limit the values of ``x`` to ``[min, max]``; either bound may be None (unbounded).

    The gradient passes where ``min <= x <= max``, boundaries included (PyTorch's ``clamp``);
    see ``Clip``.

    Parameters
    ----------
    x : Tensor
    min, max : float or None
        The bounds; at least one must be given.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.clip(sd.tensor([-2.0, 0.5, 3.0]), -1.0, 1.0)
    tensor([-1. ,  0.5,  1. ])
    >>> sd.tensor([-2.0, 3.0]).clip(min=0.0)
    tensor([0., 3.])
    """
    min = _bound("min", min)
    max = _bound("max", max)
    if min is None and max is None:
        raise ValueError("clip: at least one of min and max must be given (both are None).")
    x = constant(x)
    if x.data.dtype.kind != "f" and (isinstance(min, float) or isinstance(max, float)):
        x = _floating(x)  # an integer tensor clipped to a float bound becomes float (PyTorch)
    return Clip.apply(x, min=min, max=max)

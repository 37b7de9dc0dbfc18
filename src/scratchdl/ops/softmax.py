"""Softmax and log-softmax: scores turned into probabilities (or their logarithms) along one axis.

Every classifier head ends in one of them: softmax for probabilities and attention weights,
log_softmax before ``nll_loss``. ``cross_entropy`` in ``loss.py`` fuses log-softmax with the
negative log-likelihood and reuses ``_axis_sum`` from here for its sums over classes.

Both subtract the maximum along the axis before exponentiating, so exp never overflows, and both
write their backward with the output y (cheaper than recomputing exp, and differentiable again).
"""

from __future__ import annotations

import numpy as np

from scratchdl.autograd.function import Function
from scratchdl.ops._loss_checks import _float_input
from scratchdl.tensor import Tensor

__all__: list[str] = []


# ----------------------------------------------------------------------------- softmax family
def _axis_sum(a: np.ndarray, axis: int, w: np.ndarray | None = None) -> np.ndarray:
    """sum_c w_c a[..., c, ...] over ``axis`` (w = 1 by default), with that axis removed.

    Written as a matrix-vector product with a vector of ones (or of the weights w): BLAS does it
    3 to 10 times faster than ``a.sum(axis)``, and these sums run in every training step.
    """
    axis %= a.ndim
    size = a.shape[axis]
    w = np.ones(size, dtype=a.dtype) if w is None else w
    if axis == a.ndim - 1:
        return a @ w  # (..., C) @ (C,) -> (...)
    lead, rest = a.shape[:axis], a.shape[axis + 1 :]
    a3 = a.reshape(int(np.prod(lead)), size, int(np.prod(rest)))  # (L, C, R)
    return (w @ a3).reshape(lead + rest)  # (C,) @ (L, C, R) -> (L, R)


class Softmax(Function):
    """y = softmax(x) along ``axis``: y_i = exp(x_i - m) / sum_j exp(x_j - m), with m = max_j x_j

    Backward: dy_i/dx_k = y_i ([i == k] - y_k), so
        dx_k = sum_i g_i y_i ([i == k] - y_k) = y_k g_k - y_k sum_i g_i y_i
        dx = y * (g - sum(g * y, axis, keepdims=True))
    Saved for backward: nothing; the formula is written with the output y (cheaper than
    recomputing exp), and y is the live output tensor, so double backward sees y's dependence on x.
    Shapes: y has x's shape; every slice along ``axis`` sums to 1.
    Notes: subtracting m cancels between numerator and denominator, so it changes nothing
    mathematically, but the largest exponent becomes 0 and exp cannot overflow.
    Double backward: supported.
    """

    def forward(self, x, axis):
        self.axis = axis
        e = x - x.max(axis=axis, keepdims=True)
        np.exp(e, out=e)
        e /= np.expand_dims(_axis_sum(e, axis), axis)
        return e

    def backward(self, g):
        y = self.output()
        return y * (g - (g * y).sum(axis=self.axis, keepdims=True))


class LogSoftmax(Function):
    """y = log_softmax(x) along ``axis``: y_i = x_i - m - log sum_j exp(x_j - m), m = max_j x_j

    Backward: dy_i/dx_k = [i == k] - p_k with p = softmax(x) = exp(y), so
        dx_k = g_k - p_k sum_i g_i
        dx = g - exp(y) * sum(g, axis, keepdims=True)
    Saved for backward: nothing; exp(y) is computed from the live output y (double backward).
    Notes: with the max subtracted, log-sum-exp never overflows, and y never takes the log of an
    underflowed 0 (which softmax(x).log() would, giving -inf for very unlikely classes).
    Double backward: supported.
    """

    def forward(self, x, axis):
        self.axis = axis
        z = x - x.max(axis=axis, keepdims=True)
        z -= np.expand_dims(np.log(_axis_sum(np.exp(z), axis)), axis)
        return z

    def backward(self, g):
        y = self.output()
        return g - y.exp() * g.sum(axis=self.axis, keepdims=True)


# ----------------------------------------------------------------------------- validation
def _softmax_input(op: str, x, axis) -> Tensor:
    x = _float_input(op, x)
    if not isinstance(axis, (int, np.integer)) or not -x.ndim <= axis < max(x.ndim, 1):
        raise ValueError(
            f"{op}: axis must be an integer in [{-x.ndim}, {x.ndim - 1}] for input shape "
            f"{x.shape}; received axis={axis!r}."
        )
    return x


# ----------------------------------------------------------------------------- public functions
def softmax(x: Tensor, axis: int = -1) -> Tensor:
    """Softmax along ``axis``: exponentiate and normalise so each slice sums to 1.

    See ``Softmax`` for the gradient and the max-subtraction that keeps it stable.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.nn import functional as F
    >>> F.softmax(sd.tensor([0.0, 0.0, 0.0, 0.0]))
    tensor([0.25, 0.25, 0.25, 0.25])
    """
    return Softmax.apply(_softmax_input("softmax", x, axis), axis=axis)


def log_softmax(x: Tensor, axis: int = -1) -> Tensor:
    """Logarithm of softmax along ``axis``, computed stably (never ``log`` of an underflow).

    See ``LogSoftmax`` for the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.nn import functional as F
    >>> F.log_softmax(sd.tensor([0.0, 0.0]))
    tensor([-0.6931, -0.6931])
    """
    return LogSoftmax.apply(_softmax_input("log_softmax", x, axis), axis=axis)

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
from scratchdl.errors import ShapeError
from scratchdl.ops._loss_checks import _float_input
from scratchdl.tensor import Tensor

__all__: list[str] = []


# ----------------------------------------------------------------------------- softmax family
def _axis_sum(a: np.ndarray, axis: int, w: np.ndarray | None = None) -> np.ndarray:
    """sum_c w_c a[..., c, ...] over ``axis`` (w = 1 by default), with that axis removed.

    Written as a dot product with a vector of ones (or of the weights w), which is 2 to 6 times
    faster than ``a.sum(axis)``; these sums run in every training step. The last axis uses
    ``np.vecdot`` rather than a BLAS matrix-vector product: BLAS is faster on an idle machine but
    its threads stall for milliseconds when another process holds a core.
    """
    axis %= a.ndim
    size = a.shape[axis]
    w = np.ones(size, dtype=a.dtype) if w is None else w
    if axis == a.ndim - 1:
        return np.vecdot(a, w)  # (..., C) · (C,) -> (...)
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
    Shapes: x (..., C, ...) with the classes C on ``axis`` -> y of x's shape; every slice along
    ``axis`` sums to 1. A 0-d x is one slice of one class (y = 1, as in PyTorch; ``axis`` is None
    here, so the backward's sum runs over the single element). An empty x gives an empty y.
    Notes: subtracting m cancels between numerator and denominator, so it changes nothing
    mathematically, but the largest exponent becomes 0 and exp cannot overflow.
    Double backward: supported.
    """

    def forward(self, x, axis):
        self.axis = axis
        if axis is None:  # 0-d: one slice of one class
            return _softmax(x.reshape(1), 0).reshape(())
        if x.size == 0:  # nothing to normalise (max over an empty class axis is undefined)
            return np.empty_like(x)
        return _softmax(x, axis)

    def backward(self, g):
        y = self.output()
        return y * (g - (g * y).sum(axis=self.axis, keepdims=True))


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = x - x.max(axis=axis, keepdims=True)
    np.exp(e, out=e)
    e /= np.expand_dims(_axis_sum(e, axis), axis)
    return e


class LogSoftmax(Function):
    """y = log_softmax(x) along ``axis``: y_i = x_i - m - log sum_j exp(x_j - m), m = max_j x_j

    Backward: dy_i/dx_k = [i == k] - p_k with p = softmax(x) = exp(y), so
        dx_k = g_k - p_k sum_i g_i
        dx = g - exp(y) * sum(g, axis, keepdims=True)
    Saved for backward: nothing; exp(y) is computed from the live output y (double backward).
    Shapes: as for ``Softmax``: y has x's shape; a 0-d x gives y = 0 (log 1), an empty x an
    empty y.
    Notes: with the max subtracted, log-sum-exp never overflows, and y never takes the log of an
    underflowed 0 (which softmax(x).log() would, giving -inf for very unlikely classes).
    Double backward: supported.
    """

    def forward(self, x, axis):
        self.axis = axis
        if axis is None:  # 0-d: one slice of one class
            return _log_softmax(x.reshape(1), 0).reshape(())
        if x.size == 0:
            return np.empty_like(x)
        return _log_softmax(x, axis)

    def backward(self, g):
        y = self.output()
        return g - y.exp() * g.sum(axis=self.axis, keepdims=True)


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    z = x - x.max(axis=axis, keepdims=True)
    z -= np.expand_dims(np.log(_axis_sum(np.exp(z), axis)), axis)
    return z


# ----------------------------------------------------------------------------- validation
def _softmax_input(op: str, x, axis) -> tuple[Tensor, int | None]:
    """The floating input and ``axis`` as a non-negative int (None for a 0-d input).

    A 0-d tensor is treated as having one axis of size 1, so axis 0 and -1 are valid for it, as
    in PyTorch.
    """
    x = _float_input(op, x)
    ndim = max(x.ndim, 1)
    if isinstance(axis, (bool, np.bool_)) or not isinstance(axis, (int, np.integer)):
        raise TypeError(
            f"{op}: axis must be an integer in [{-ndim}, {ndim - 1}] for input shape {x.shape}; "
            f"received axis={axis!r} (type {type(axis).__name__})."
        )
    if not -ndim <= axis < ndim:
        raise ShapeError(
            f"{op}: axis must be an integer in [{-ndim}, {ndim - 1}] for input shape {x.shape}; "
            f"received axis={axis!r}. Use axis=-1 for the last axis (the usual class axis)."
        )
    return x, (None if x.ndim == 0 else int(axis) % x.ndim)


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
    x, axis = _softmax_input("softmax", x, axis)
    return Softmax.apply(x, axis=axis)


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
    x, axis = _softmax_input("log_softmax", x, axis)
    return LogSoftmax.apply(x, axis=axis)

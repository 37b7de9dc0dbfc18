"""Reductions: sum, mean, var, std and logsumexp (the extrema max, min, argmax, argmin: extrema.py).

A reduction collapses one or more axes of a tensor into one number per remaining position: every
loss ends in a ``mean``, normalization layers use ``mean`` and ``var``, and a softmax is stabilised
with a ``max`` (``logsumexp``). All of them take NumPy's arguments: ``axis`` is None (every axis),
an int (negative counts from the end) or a tuple of ints, and ``keepdims=True`` leaves each reduced
axis in place with size 1.

Every backward pass has the same first step. The upstream gradient ``g`` has the output's shape,
without the reduced axes; re-inserting them with size 1 (a reshape) lines ``g`` up with the input,
so that broadcasting hands each input element the gradient of the output it was reduced into.
"""

from __future__ import annotations

import builtins
import math
import operator
import warnings

import numpy as np

from scratchdl.autograd.function import Function
from scratchdl.errors import ShapeError
from scratchdl.ops._broadcast import broadcast_to
from scratchdl.ops._convert import constant
from scratchdl.ops._convert import floating as _floating
from scratchdl.ops.arithmetic import where
from scratchdl.ops.shape import Reshape
from scratchdl.ops.unary import exp
from scratchdl.tensor import Tensor

__all__ = ["logsumexp", "mean", "std", "sum", "var"]

Axis = int | tuple[int, ...] | None


# ---------------------------------------------------------------------------- shared helpers
def _axes(op: str, axis, shape: tuple[int, ...]) -> tuple[int, ...]:
    """``axis`` as a sorted tuple of non-negative axes of ``shape``, or a teaching error."""
    ndim = len(shape)
    if axis is None:
        return tuple(range(ndim))
    many = isinstance(axis, (tuple, list))
    try:
        axes = [operator.index(a) for a in (axis if many else (axis,))]
    except TypeError:
        raise TypeError(
            f"{op}: axis must be None, an int or a tuple of ints; received axis={axis!r} "
            f"(type {type(axis).__name__})."
        ) from None
    for a in axes:
        if not -ndim <= a < ndim:
            valid = (
                f"valid axes are {-ndim} to {ndim - 1}, or None for all of them"
                if ndim
                else "a 0-d tensor has no axes; use axis=None"
            )
            raise ShapeError(
                f"{op}: axis {a} is out of range for a tensor with {ndim} dimensions "
                f"(shape {shape}); {valid}."
            )
    normalized = sorted(a % ndim for a in axes)
    if len(set(normalized)) != len(normalized):
        raise ShapeError(
            f"{op}: axis={axis!r} names the same axis twice for a tensor of shape {shape}; "
            "list each axis once."
        )
    return tuple(normalized)


def _kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """The output shape with keepdims=True: each reduced axis becomes size 1."""
    return tuple(1 if i in axes else size for i, size in enumerate(shape))


def _reduced_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """The output shape with keepdims=False: the reduced axes are dropped."""
    return tuple(size for i, size in enumerate(shape) if i not in axes)


def _reshape(t: Tensor, shape: tuple[int, ...]) -> Tensor:
    return t if t.data.shape == shape else Reshape.apply(t, shape=shape)


# ---------------------------------------------------------------------------- sum and mean
class Sum(Function):
    """y = sum of x over ``axes``:  y[j] = Σ_{i in slice j} x[i]

    Backward: each x[i] enters exactly one y[j] with coefficient 1, so dy[j]/dx[i] = 1 and
    dx[i] = g[j]. In code: put size-1 axes back into g where x was reduced (a reshape), then
    broadcast: dx = broadcast_to(reshape(g, kept_shape), x.shape).
    Saved for backward: only shapes.
    Shapes: x (any shape) -> y (x.shape without ``axes``, or with size 1 there if keepdims).
    Double backward: supported (reshape and broadcast_to are linear ops with linear backwards).
    """

    def forward(self, x, axes, keepdims):
        self.x_shape, self.axes = x.shape, axes
        return x.sum(axis=axes, keepdims=keepdims)

    def backward(self, g):
        if g.ndim:  # a 0-d g (a full sum) broadcasts as it is
            g = _reshape(g, _kept_shape(self.x_shape, self.axes))
        return broadcast_to(g, self.x_shape)


class Mean(Function):
    """y = mean of x over ``axes``:  y[j] = (1/n) Σ_{i in slice j} x[i], with n the slice size

    Backward: dy[j]/dx[i] = 1/n, so dx = broadcast_to(reshape(g / n, kept_shape), x.shape).
    Dividing g (output-sized) before broadcasting touches fewer elements than dividing after.
    Saved for backward: only shapes (n is computed from them).
    Shapes: as for ``Sum``: x (any shape) -> y (x.shape without ``axes``, or size 1 there).
    Notes: the mean of an empty slice is nan, as in NumPy and PyTorch.
    Double backward: supported.
    """

    def forward(self, x, axes, keepdims):
        self.x_shape, self.axes = x.shape, axes
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.add.reduce(x, axis=axes, keepdims=keepdims) / _count(x.shape, axes)

    def backward(self, g):
        n = builtins.max(_count(self.x_shape, self.axes), 1)  # n = 0 only when x is empty
        g = g / n
        if g.ndim:  # a 0-d g (a full mean) broadcasts as it is
            g = _reshape(g, _kept_shape(self.x_shape, self.axes))
        return broadcast_to(g, self.x_shape)


def _count(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    """How many elements of x go into each output element."""
    return math.prod(shape[a] for a in axes)


# ---------------------------------------------------------------------------- var and std
def _variance(x: np.ndarray, axes: tuple[int, ...], ddof, keepdims: bool) -> np.ndarray:
    """Σ (x - mean)² / max(n - ddof, 0), computed in x's dtype (the same steps as np.var)."""
    centered = np.asarray(x - x.mean(axis=axes, keepdims=True))  # (asarray: 0-d x gives a scalar)
    np.multiply(centered, centered, out=centered)  # our own temporary
    with np.errstate(invalid="ignore", divide="ignore"):
        return centered.sum(axis=axes, keepdims=keepdims) / _denominator(x.shape, axes, ddof)


def _denominator(shape: tuple[int, ...], axes: tuple[int, ...], ddof: int | float) -> int | float:
    """max(n - ddof, 0) as a Python number: dividing a float32 array by it keeps float32, where
    a NumPy float64 scalar would promote the result (and the gradient) to float64."""
    return builtins.max(_count(shape, axes) - ddof, 0)


class Var(Function):
    """y = Σ_i (x[i] - m)² / (n - ddof) over each slice, with m = mean of the slice

    Backward: the chain rule through m vanishes, because dy/dm = -2 Σ_i (x[i] - m) / (n - ddof)
    = 0 (deviations from the mean sum to zero). What remains is
        dy/dx[i] = 2 (x[i] - m) / (n - ddof),
    so dx = reshape(g * 2 / (n - ddof), kept_shape) * (x - mean(x, axes, keepdims=True)).
    Saved for backward: shapes and ddof (a Python number); the centered values are recomputed
    from the input tensor x so that they stay differentiable (the second derivative needs
    d(x - m)/dx).
    Shapes: as for ``Sum``: x (any shape) -> y (x.shape without ``axes``, or size 1 there).
    Notes: ddof = 0 is the population variance (NumPy's default), ddof = 1 the unbiased sample
    variance (torch.var's default). When ddof >= n the denominator is clamped to 0, as torch.var
    does: y is inf (or nan where all values are equal) and so is the gradient; a RuntimeWarning
    says so.
    Double backward: supported.
    """

    def forward(self, x, axes, ddof, keepdims):
        self.x_shape, self.axes, self.ddof = x.shape, axes, ddof
        return _variance(x, axes, ddof, keepdims)

    def backward(self, g):
        (x,) = self.inputs
        denominator = _denominator(self.x_shape, self.axes, self.ddof)
        scale = 2.0 / denominator if denominator else math.inf
        centered = x - Mean.apply(x, axes=self.axes, keepdims=True)
        return _reshape(g * scale, _kept_shape(self.x_shape, self.axes)) * centered


class Std(Function):
    """y = sqrt(var(x)) over each slice (see ``Var``)

    Backward: dy/dx = d sqrt(v)/dv · dv/dx = 1/(2y) · 2 (x - m) / (n - ddof), so
        dx = reshape(g / (y (n - ddof)), kept_shape) * (x - mean(x, axes, keepdims=True)).
    Notes: where y = 0 (all values of the slice equal) the standard deviation has no derivative:
    any uneven nudge of the values raises y at an infinite rate. Like torch.std we take dx = 0
    there, which keeps training finite. The division uses a safe denominator (1 where y = 0) so
    that no inf/nan leaks into double backward either.
    Saved for backward: shapes and ddof; y is the live output (``self.output()``).
    Shapes: as for ``Var``.
    Double backward: supported.
    """

    def forward(self, x, axes, ddof, keepdims):
        self.x_shape, self.axes, self.ddof = x.shape, axes, ddof
        return np.sqrt(_variance(x, axes, ddof, keepdims))

    def backward(self, g):
        (x,) = self.inputs
        y = self.output()
        denominator = _denominator(self.x_shape, self.axes, self.ddof)
        scale = 1.0 / denominator if denominator else math.inf
        flat = constant(y.data == 0)
        safe_y = where(flat, 1.0, y)
        g_var = where(flat, 0.0, g / safe_y) * scale  # = g / (y (n - ddof)), 0 where y = 0
        centered = x - Mean.apply(x, axes=self.axes, keepdims=True)
        return _reshape(g_var, _kept_shape(self.x_shape, self.axes)) * centered


# ---------------------------------------------------------------------------- logsumexp
class LogSumExp(Function):
    """y = log Σ_i exp(x[i]) over each slice, computed as m + log Σ_i exp(x[i] - m), m = max

    Backward: dy/dx[i] = exp(x[i]) / Σ_k exp(x[k]) = exp(x[i] - y), the softmax of the slice, so
        dx = reshape(g, kept_shape) * exp(x - reshape(y, kept_shape)).
    Saved for backward: nothing; y is the live output (``self.output()``), which keeps double
    backward correct (the softmax depends on x through y as well).
    Shapes: as for ``Sum``: x (any shape) -> y (x.shape without ``axes``, or size 1 there).
    Notes: subtracting the slice maximum m makes every exponent <= 0, so exp cannot overflow, and
    the largest term is exp(0) = 1, so the sum cannot underflow to log(0). Where m is ±inf the
    shift is 0 instead (inf - inf would be nan): a +inf element gives y = inf, a slice of only
    -inf (or an empty slice) gives y = -inf, as in torch.logsumexp.
    Double backward: supported.
    """

    def forward(self, x, axes, keepdims):
        self.axes = axes
        m = x.max(axis=axes, keepdims=True, initial=-np.inf)
        m = np.where(np.isinf(m), 0, m)
        shifted = np.asarray(x - m)  # (asarray: 0-d x gives a scalar)
        np.exp(shifted, out=shifted)  # our own temporary
        with np.errstate(divide="ignore"):
            y = np.log(shifted.sum(axis=axes, keepdims=True))
        y += m
        return y if keepdims else y.reshape(_reduced_shape(x.shape, axes))

    def backward(self, g):
        (x,) = self.inputs
        kept = _kept_shape(x.data.shape, self.axes)
        return _reshape(g, kept) * exp(x - _reshape(self.output(), kept))


# ---------------------------------------------------------------------------- public functions
def sum(x, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001  (NumPy's name)
    """Sum of the elements over ``axis``. See ``Sum`` for the gradient.

    Parameters
    ----------
    x : Tensor or array_like
    axis : None, int or tuple of ints
        The axes to add over; None (default) adds every element. ``axis=()`` adds over nothing
        (NumPy's meaning; ``torch.sum(x, dim=())`` would sum everything).
    keepdims : bool
        Keep the reduced axes with size 1, so the result broadcasts against ``x``.

    Integer and boolean tensors sum as in NumPy (booleans count, to int64).

    Examples
    --------
    >>> import scratchdl as sd
    >>> x = sd.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> sd.sum(x)
    tensor(10.)
    >>> x.sum(axis=0)
    tensor([4., 6.])
    >>> x.sum(axis=-1, keepdims=True)
    tensor([[3.],
            [7.]])
    """
    x = constant(x)
    return Sum.apply(x, axes=_axes("sum", axis, x.shape), keepdims=bool(keepdims))


def mean(x, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """Arithmetic mean over ``axis`` (arguments as in ``sum``). See ``Mean`` for the gradient.

    Integer and boolean input is averaged in the default float dtype (float32), never float64.

    Examples
    --------
    >>> import scratchdl as sd
    >>> x = sd.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> x.mean()
    tensor(2.5)
    >>> x.mean(axis=1)
    tensor([1.5, 3.5])
    """
    x = _floating(x)
    return Mean.apply(x, axes=_axes("mean", axis, x.shape), keepdims=bool(keepdims))


def _check_ddof(op: str, ddof, shape, axes) -> int | float:
    """``ddof`` as a Python int or float (np.int64(1) -> 1, np.float64(0.5) -> 0.5), or an error.

    NumPy scalars must not reach the forward: ``n - np.float64(1)`` is a float64 scalar, and a
    float32 sum divided by it becomes float64 (see ``_denominator``).
    """
    if isinstance(ddof, (bool, np.bool_)) or not isinstance(
        ddof, (int, float, np.integer, np.floating)
    ):
        raise TypeError(
            f"{op}: ddof must be a number such as 0 or 1; received ddof={ddof!r} "
            f"(type {type(ddof).__name__})."
        )
    ddof = int(ddof) if isinstance(ddof, (int, np.integer)) else float(ddof)
    n = _count(shape, axes)
    if n - ddof <= 0:
        warnings.warn(
            f"{op}: ddof={ddof} leaves no degrees of freedom for slices of {n} elements "
            f"(shape {shape}, axes {axes}); the result is inf or nan. Use ddof < {n}.",
            RuntimeWarning,
            stacklevel=3,
        )
    return ddof


def var(x, axis: Axis = None, ddof: int | float = 0, keepdims: bool = False) -> Tensor:
    """Variance over ``axis``: Σ (x - mean)² / (n - ddof). See ``Var`` for the gradient.

    Parameters
    ----------
    x : Tensor or array_like
    axis, keepdims
        As in ``sum``.
    ddof : int or float
        "Delta degrees of freedom": 0 (default, NumPy's) gives the population variance, 1 the
        unbiased sample variance (``torch.var(x, correction=1)``, PyTorch's default). If
        ``ddof >= n`` the result is inf or nan, as in PyTorch, with a RuntimeWarning.

    Examples
    --------
    >>> import scratchdl as sd
    >>> x = sd.tensor([1.0, 2.0, 3.0, 4.0])
    >>> x.var()
    tensor(1.25)
    >>> sd.var(x, ddof=1)
    tensor(1.6667)
    """
    x = _floating(x)
    axes = _axes("var", axis, x.shape)
    ddof = _check_ddof("var", ddof, x.shape, axes)
    return Var.apply(x, axes=axes, ddof=ddof, keepdims=bool(keepdims))


def std(x, axis: Axis = None, ddof: int | float = 0, keepdims: bool = False) -> Tensor:
    """Standard deviation over ``axis``: sqrt(var(x, axis, ddof)). See ``Std`` for the gradient.

    Arguments as in ``var``. Where the standard deviation is 0 the gradient is 0 (as in PyTorch).

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.std(sd.tensor([1.0, 3.0, 5.0, 7.0]))
    tensor(2.2361)
    """
    x = _floating(x)
    axes = _axes("std", axis, x.shape)
    ddof = _check_ddof("std", ddof, x.shape, axes)
    return Std.apply(x, axes=axes, ddof=ddof, keepdims=bool(keepdims))


def logsumexp(x, axis: Axis = None, keepdims: bool = False) -> Tensor:
    """log(sum(exp(x))) over ``axis``, computed without overflow. See ``LogSumExp``.

    Arguments as in ``sum``; integer input is computed in the default float dtype. Its gradient is
    the softmax of ``x`` over the same axes.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.logsumexp(sd.tensor([100.0, 100.0]))  # 100 + log 2; exp(100) overflows float32
    tensor(100.6931)
    """
    x = _floating(x)
    return LogSumExp.apply(x, axes=_axes("logsumexp", axis, x.shape), keepdims=bool(keepdims))

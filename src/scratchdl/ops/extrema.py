"""Extrema: max and min over axes, and the index-valued argmax and argmin.

``max`` and ``min`` are reductions like ``sum`` (the same ``axis`` and ``keepdims`` arguments, see
``reduce.py``), but their gradient is not spread over the slice: it flows only to the element that
was picked, or is split evenly among tied ones (``torch.amax``'s rule). ``argmax`` and ``argmin``
return int64 positions and sit outside the graph. Axis normalisation and the shape helpers are
shared with ``reduce.py`` and imported from it.
"""

from __future__ import annotations

import numpy as np

from scratchdl.autograd.function import Function
from scratchdl.errors import ShapeError
from scratchdl.ops._convert import constant
from scratchdl.ops.reduce import Axis, _axes, _kept_shape, _reduced_shape, _reshape
from scratchdl.tensor import Tensor

__all__ = ["argmax", "argmin", "max", "min"]


def _check_nonempty(op: str, shape: tuple[int, ...], axes: tuple[int, ...]) -> None:
    """max/min/argmax/argmin of no elements is undefined (NumPy and PyTorch raise too)."""
    if len(axes) == len(shape) and 0 in shape:
        raise ShapeError(
            f"{op}: the tensor is empty (shape {shape}); the {op} of no elements is undefined."
        )
    empty = [a for a in axes if shape[a] == 0]
    if empty:
        raise ShapeError(
            f"{op}: cannot reduce over axis {empty[0]}, which has size 0 (shape {shape}); the "
            f"{op} of no elements is undefined. Reduce over a non-empty axis instead."
        )


# ---------------------------------------------------------------------------- max and min
def _tie_share(x: np.ndarray, y: np.ndarray, axes: tuple[int, ...]) -> np.ndarray:
    """1/k at the k positions of each slice that equal its extremum y, 0 elsewhere."""
    share = np.asarray(x == y, dtype=x.dtype)
    share /= share.sum(axis=axes, keepdims=True)
    return share


class Max(Function):
    """y = max of x over ``axes``

    Backward: y equals one element of its slice, so dy/dx[i] = 1 at the argmax and 0 elsewhere:
    dx = reshape(g, kept_shape) * share, with share = [x == y] / (number of ties in the slice).
    Saved for backward: ``share`` (computed in forward, only when x needs a gradient).
    Shapes: x (any shape, no reduced axis of size 0) -> y (x.shape without ``axes``, or size 1
    there); share has x's shape.
    Notes: when k elements tie for the maximum, each gets g / k, as torch.amax does: the
    gradient is the average over the tied elements, and it sums to g like a single winner's.
    (torch.max(x, dim) instead gives all of g to one index.) A nan in a slice makes y nan and
    the slice's gradient nan, as in PyTorch.
    Double backward: supported (share is piecewise constant: its own derivative is 0).
    """

    pick = staticmethod(np.max)

    def forward(self, x, axes, keepdims):
        y = self.pick(x, axis=axes, keepdims=True)
        if self.needs_input_grad[0]:
            self.axes, self.share = axes, _tie_share(x, y, axes)
        return y if keepdims else y.reshape(_reduced_shape(x.shape, axes))

    def backward(self, g):
        g = _reshape(g, _kept_shape(self.share.shape, self.axes))
        return g * constant(self.share)


class Min(Max):
    """y = min of x over ``axes``

    Backward: as for ``Max`` (whose forward and backward it reuses with np.min):
    dx = reshape(g, kept_shape) * share, share = [x == y] / ties.
    Saved for backward: ``share``, as for ``Max``.
    Shapes: as for ``Max``.
    Notes: ties split g evenly, as torch.amin does.
    Double backward: supported.
    """

    pick = staticmethod(np.min)


# ---------------------------------------------------------------------------- public functions
def max(x, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001  (NumPy's name)
    """Largest element over ``axis`` (arguments as in ``sum``). See ``Max`` for the gradient.

    Like ``torch.amax``: tied maxima share the gradient equally. Reducing an empty axis raises
    ``ShapeError``. For the position of the maximum use ``argmax``; for the elementwise maximum of
    two tensors use ``maximum``.

    Examples
    --------
    >>> import scratchdl as sd
    >>> x = sd.tensor([1.0, 3.0, 3.0], requires_grad=True)
    >>> y = sd.max(x)
    >>> y.backward()
    >>> x.grad
    tensor([0. , 0.5, 0.5])
    """
    x = constant(x)
    axes = _axes("max", axis, x.shape)
    _check_nonempty("max", x.shape, axes)
    return Max.apply(x, axes=axes, keepdims=bool(keepdims))


def min(x, axis: Axis = None, keepdims: bool = False) -> Tensor:  # noqa: A001  (NumPy's name)
    """Smallest element over ``axis`` (arguments as in ``sum``). See ``Min`` for the gradient.

    Like ``torch.amin``: tied minima share the gradient equally.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.tensor([[4.0, -1.0], [2.0, 5.0]]).min(axis=1)
    tensor([-1.,  2.])
    """
    x = constant(x)
    axes = _axes("min", axis, x.shape)
    _check_nonempty("min", x.shape, axes)
    return Min.apply(x, axes=axes, keepdims=bool(keepdims))


def _arg_reduce(op: str, x, axis, keepdims: bool) -> Tensor:
    x = constant(x)
    if axis is not None:
        if isinstance(axis, (tuple, list)):
            raise TypeError(
                f"{op}: axis must be None or a single int (the index is along one axis); "
                f"received axis={axis!r}. Reshape first to search several axes at once."
            )
        axis = _axes(op, axis, x.shape)[0]
    _check_nonempty(op, x.shape, tuple(range(x.ndim)) if axis is None else (axis,))
    reduce = np.argmax if op == "argmax" else np.argmin
    out = reduce(x.data, axis=axis, keepdims=bool(keepdims))
    return Tensor._from_op(np.asarray(out, dtype=np.int64), None)


def argmax(x, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the largest element along ``axis`` as an int64 tensor (no gradient).

    With ``axis=None`` the index is into the flattened tensor. Ties give the first index, as in
    NumPy and PyTorch.

    Examples
    --------
    >>> import scratchdl as sd
    >>> x = sd.tensor([[1.0, 5.0, 5.0], [7.0, 0.0, 2.0]])
    >>> sd.argmax(x, axis=1)
    tensor([1, 0], dtype=int64)
    >>> x.argmax()
    tensor(3, dtype=int64)
    """
    return _arg_reduce("argmax", x, axis, keepdims)


def argmin(x, axis: int | None = None, keepdims: bool = False) -> Tensor:
    """Index of the smallest element along ``axis`` as an int64 tensor (no gradient).

    Arguments and tie rule as in ``argmax``.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.argmin(sd.tensor([3.0, -2.0, 8.0]))
    tensor(1, dtype=int64)
    """
    return _arg_reduce("argmin", x, axis, keepdims)

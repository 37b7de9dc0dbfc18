"""Changing a tensor's dtype."""

from __future__ import annotations

import numpy as np

from scratchdl.autograd.function import Function
from scratchdl.tensor import Tensor


class Cast(Function):
    """y = x converted to ``dtype``.

    Backward: the values pass through unchanged, so dx = g converted back to x's dtype.
    Casting to an integer or boolean dtype cuts the graph (those tensors never require grad).
    Double backward: supported.
    """

    def forward(self, x, dtype):
        self.x_dtype = x.dtype
        return x.astype(dtype)

    def backward(self, g):
        return astype(g, self.x_dtype)


def astype(x: Tensor, dtype) -> Tensor:
    """Return ``x`` cast to ``dtype`` (``x`` itself if it has that dtype already).

    Differentiable between floating dtypes; a cast to an integer dtype leaves the graph.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.tensor([1.5, 2.5]).astype("float64").dtype
    dtype('float64')
    """
    dtype = np.dtype(dtype)
    if x.data.dtype == dtype:
        return x
    if dtype.kind != "f":
        return Tensor._from_op(x.data.astype(dtype), None)
    return Cast.apply(x, dtype=dtype)


class Copy(Function):
    """y = x, in a new array.

    Backward: dy/dx = 1, so dx = g.
    Double backward: supported.
    """

    def forward(self, x):
        return x.copy()

    def backward(self, g):
        return g


def copy(x: Tensor) -> Tensor:
    """A copy of ``x`` in new memory that stays in the graph (PyTorch's ``clone``).

    Examples
    --------
    >>> import scratchdl as sd
    >>> x = sd.tensor([1.0, 2.0])
    >>> y = sd.copy(x)
    >>> y.data is x.data
    False
    """
    return Copy.apply(x)

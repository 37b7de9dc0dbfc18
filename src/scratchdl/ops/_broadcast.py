"""Undo broadcasting in one place.

When a binary op broadcasts an input of shape (3, 1) against one of shape (3, 4), every element of
the input was used 4 times, so its gradient is the sum of the 4 upstream gradients. ``sum_to``
performs that sum for any broadcast: it adds over the leading axes that broadcasting prepended and
over the axes where the input had size 1. Every binary op passes its input gradients through it.

``BroadcastTo`` and ``SumTo`` are each other's backward, so both are differentiable to any order.
"""

from __future__ import annotations

import numpy as np

from scratchdl.autograd.function import Function
from scratchdl.ops.cast import astype
from scratchdl.tensor import Tensor


def _sum_axes(from_shape: tuple[int, ...], to_shape: tuple[int, ...]) -> tuple[int, ...]:
    """Axes of an array shaped ``from_shape`` to sum so that it reshapes to ``to_shape``."""
    lead = len(from_shape) - len(to_shape)
    stretched = tuple(
        lead + i for i, size in enumerate(to_shape) if size == 1 and from_shape[lead + i] != 1
    )
    return tuple(range(lead)) + stretched


class SumTo(Function):
    """y = x summed down to ``shape`` (the reverse of broadcasting x's shape up from ``shape``).

    Backward: every x element contributed once to the y element it was summed into, so
    dx = broadcast_to(g, x.shape).
    Double backward: supported.
    """

    def forward(self, x, shape):
        self.x_shape = x.shape
        axes = _sum_axes(x.shape, shape)
        y = x.sum(axis=axes, keepdims=True) if axes else x
        return y.reshape(shape)

    def backward(self, g):
        return broadcast_to(g, self.x_shape)


class BroadcastTo(Function):
    """y = x repeated (without copying) along new leading axes and axes of size 1, to ``shape``.

    Backward: y's elements that share one x element all pass their gradient to it, so
    dx = sum_to(g, x.shape).
    Double backward: supported.
    """

    def forward(self, x, shape):
        self.x_shape = x.shape
        return np.broadcast_to(x, shape)

    def backward(self, g):
        return sum_to(g, self.x_shape)


def sum_to(g: Tensor, shape: tuple[int, ...]) -> Tensor:
    """Sum ``g`` down to ``shape``, the shape it was broadcast from. Free when shapes match."""
    if g.data.shape == shape:
        return g
    return SumTo.apply(g, shape=tuple(shape))


def broadcast_to(x: Tensor, shape: tuple[int, ...]) -> Tensor:
    """View ``x`` broadcast to ``shape`` (NumPy broadcasting rules). Free when shapes match."""
    shape = tuple(shape)
    if x.data.shape == shape:
        return x
    return BroadcastTo.apply(x, shape=shape)


def unbroadcast(dx: Tensor, x: Tensor) -> Tensor:
    """The gradient ``dx`` of a broadcast input ``x``, summed to x's shape and cast to its dtype.

    The cast matters when a float32 tensor met a float64 one: the result (and g) are float64, but
    x's gradient must be float32 like x.
    """
    if dx.data.shape != x.data.shape:
        dx = SumTo.apply(dx, shape=x.data.shape)
    if dx.data.dtype != x.data.dtype:
        dx = astype(dx, x.data.dtype)
    return dx

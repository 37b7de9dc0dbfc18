"""Ops that change a tensor's shape or the order of its axes without changing its values:
reshape, transpose, swapaxes, flatten, squeeze, unsqueeze (expand_dims), broadcast_to. Every
model uses them, from flattening an image before a Linear layer to splitting attention heads.
Joining, splitting, padding and repeating live in ``join.py``.

None of these ops does arithmetic, so each backward just moves the gradient back to where the
element came from: the backward of a reshape is a reshape, of a transpose the inverse transpose.
Several ops here are built from others (squeeze, unsqueeze and flatten are reshapes, swapaxes is a
transpose), so their gradients come for free from the pieces.
"""

from __future__ import annotations

import math
import operator

import numpy as np

from scratchdl.autograd.function import Function
from scratchdl.errors import ShapeError
from scratchdl.ops._broadcast import broadcast_to as _broadcast_to
from scratchdl.ops._convert import constant
from scratchdl.tensor import Tensor

__all__ = [
    "broadcast_to",
    "expand_dims",
    "flatten",
    "permute",
    "reshape",
    "squeeze",
    "swapaxes",
    "transpose",
    "unsqueeze",
]


# ----------------------------------------------------------------------------- argument helpers
def _axis(op: str, axis, ndim: int, shape: tuple[int, ...]) -> int:
    """``axis`` as a non-negative int, for an array with ``ndim`` axes (``shape`` for messages)."""
    try:
        axis = operator.index(axis)
    except TypeError:
        raise TypeError(f"{op}: axis must be an integer; received axis={axis!r}.") from None
    if ndim == 0:
        raise ShapeError(f"{op}: a 0-d tensor has no axes, so axis={axis} does not exist.")
    if not -ndim <= axis < ndim:
        raise ShapeError(
            f"{op}: axis {axis} is out of range for a tensor of shape {shape} ({ndim} axes); "
            f"expected an axis in [{-ndim}, {ndim - 1}]."
        )
    return axis % ndim


def _axes(op: str, axis, ndim: int, shape: tuple[int, ...]) -> tuple[int, ...]:
    """An int or a sequence of ints as sorted, distinct, non-negative axes."""
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else (axis,)
    normalized = tuple(_axis(op, a, ndim, shape) for a in axes)
    if len(set(normalized)) != len(normalized):
        raise ShapeError(f"{op}: axis={axis!r} names the same axis twice (shape {shape}).")
    return tuple(sorted(normalized))


def _int_tuple(op: str, name: str, value) -> tuple[int, ...]:
    """An int or a sequence of ints (a shape, reps) as a tuple of Python ints."""
    values = tuple(value) if isinstance(value, (tuple, list, np.ndarray)) else (value,)
    try:
        return tuple(operator.index(v) for v in values)
    except TypeError:
        raise TypeError(
            f"{op}: {name} must be an integer or a sequence of integers; received {name}={value!r}."
        ) from None


# ----------------------------------------------------------------------------- reshape
class Reshape(Function):
    """y = x with the same elements, in the same (row-major) order, arranged in a new shape

    Backward: y[j] = x[i] for the element at the same row-major position, so the gradient flows
    back unchanged, only rearranged: dx = reshape(g, x.shape).
    Saved for backward: x's shape.
    Notes: NumPy returns a view (no copy) whenever the strides allow it.
    Double backward: supported.
    """

    def forward(self, x, shape):
        self.x_shape = x.shape
        return x.reshape(shape)

    def backward(self, g):
        return Reshape.apply(g, shape=self.x_shape)


def _resolve_shape(x: Tensor, shape: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with a -1 replaced by the size that keeps the number of elements."""
    problem = None
    unknown = [i for i, s in enumerate(shape) if s == -1]
    if len(unknown) > 1:
        problem = "only one size may be -1"
    elif any(s < -1 for s in shape):
        problem = "sizes must be >= 0, or -1 for one inferred size"
    elif unknown:
        known = math.prod(s for s in shape if s != -1)
        if known == 0 or x.size % known:
            problem = f"no size for -1 makes {x.size} elements"
        else:
            shape = shape[: unknown[0]] + (x.size // known,) + shape[unknown[0] + 1 :]
    elif math.prod(shape) != x.size:
        problem = f"it has {math.prod(shape)} elements"
    if problem:
        raise ShapeError(
            f"reshape: cannot reshape a tensor of shape {x.shape} ({x.size} elements) into shape "
            f"{shape}: {problem}. The number of elements must stay the same."
        )
    return shape


def reshape(x: Tensor, shape) -> Tensor:
    """Give ``x`` a new shape with the same number of elements (one size may be -1).

    See ``Reshape`` for the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.reshape(sd.arange(6.0), (2, -1))
    tensor([[0., 1., 2.],
            [3., 4., 5.]])
    """
    x = constant(x)
    shape = _resolve_shape(x, _int_tuple("reshape", "shape", shape))
    return Reshape.apply(x, shape=shape)


def flatten(x: Tensor, start_axis: int = 0, end_axis: int = -1) -> Tensor:
    """Merge the axes from ``start_axis`` to ``end_axis`` (inclusive) into one (PyTorch's flatten).

    A 0-d tensor becomes shape (1,). A reshape, so see ``Reshape`` for the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.flatten(sd.zeros(8, 1, 28, 28), start_axis=1).shape
    (8, 784)
    """
    x = constant(x)
    ndim, shape = max(x.ndim, 1), x.shape or (1,)
    start = _axis("flatten", start_axis, ndim, x.shape)
    end = _axis("flatten", end_axis, ndim, x.shape)
    if start > end:
        raise ShapeError(
            f"flatten: start_axis={start_axis} comes after end_axis={end_axis} for a tensor of "
            f"shape {x.shape}; expected start_axis <= end_axis."
        )
    new_shape = shape[:start] + (math.prod(shape[start : end + 1]),) + shape[end + 1 :]
    return Reshape.apply(x, shape=new_shape)


def squeeze(x: Tensor, axis=None) -> Tensor:
    """Remove axes of size 1: all of them, or those named by ``axis`` (an int or a tuple).

    Naming an axis whose size is not 1 is an error. A reshape, so see ``Reshape``.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.squeeze(sd.zeros(1, 3, 1), axis=0).shape
    (3, 1)
    """
    x = constant(x)
    if axis is None:
        axes = tuple(i for i, s in enumerate(x.shape) if s == 1)
    else:
        axes = _axes("squeeze", axis, x.ndim, x.shape)
        for a in axes:
            if x.shape[a] != 1:
                raise ShapeError(
                    f"squeeze: cannot remove axis {a} of a tensor of shape {x.shape}: its size is "
                    f"{x.shape[a]}, not 1. Only axes of size 1 can be squeezed."
                )
    new_shape = tuple(s for i, s in enumerate(x.shape) if i not in axes)
    return Reshape.apply(x, shape=new_shape)


def unsqueeze(x: Tensor, axis) -> Tensor:
    """Insert an axis of size 1 at position ``axis`` of the result (an int or a tuple of ints).

    ``axis`` counts in the output, as in NumPy's ``expand_dims``: for a (3, 4) tensor, axis=0
    gives (1, 3, 4) and axis=-1 gives (3, 4, 1). A reshape, so see ``Reshape``.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.unsqueeze(sd.zeros(3, 4), -1).shape
    (3, 4, 1)
    """
    x = constant(x)
    count = len(axis) if isinstance(axis, (tuple, list)) else 1
    out_ndim = x.ndim + count
    axes = _axes("unsqueeze", axis, out_ndim, x.shape)
    sizes = iter(x.shape)
    new_shape = tuple(1 if i in axes else next(sizes) for i in range(out_ndim))
    return Reshape.apply(x, shape=new_shape)


expand_dims = unsqueeze


# ----------------------------------------------------------------------------- transpose
class Transpose(Function):
    """y = x with its axes permuted: y.shape[i] = x.shape[axes[i]]

    Backward: y's axis i is x's axis axes[i], so putting g's axes back in x's order undoes it:
    dx = transpose(g, inverse) where inverse = argsort(axes) (inverse[axes[i]] = i).
    Notes: NumPy returns a view with permuted strides (no copy).
    Double backward: supported.
    """

    def forward(self, x, axes):
        self.axes = axes
        return x.transpose(axes)

    def backward(self, g):
        inverse = [0] * len(self.axes)
        for i, axis in enumerate(self.axes):
            inverse[axis] = i
        return Transpose.apply(g, axes=tuple(inverse))


def transpose(x: Tensor, axes=None) -> Tensor:
    """Permute the axes of ``x`` (NumPy semantics); ``axes=None`` reverses them.

    See ``Transpose`` for the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.transpose(sd.zeros(2, 3, 4), (0, 2, 1)).shape
    (2, 4, 3)
    """
    x = constant(x)
    if axes is None:
        return Transpose.apply(x, axes=tuple(range(x.ndim - 1, -1, -1)))
    axes = _int_tuple("transpose", "axes", axes)
    if sorted(a % x.ndim if -x.ndim <= a < x.ndim else a for a in axes) != list(range(x.ndim)):
        help_swap = " To swap two axes use swapaxes(x, axis1, axis2)." if len(axes) == 2 else ""
        raise ShapeError(
            f"transpose: axes={axes} is not a permutation of the axes of a tensor of shape "
            f"{x.shape}; expected each of 0..{x.ndim - 1} exactly once.{help_swap}"
        )
    return Transpose.apply(x, axes=tuple(a % x.ndim for a in axes))


def permute(x: Tensor, axes) -> Tensor:
    """PyTorch's name for ``transpose`` with explicit ``axes``: y.shape[i] = x.shape[axes[i]].

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.permute(sd.zeros(2, 3, 4), (2, 0, 1)).shape
    (4, 2, 3)
    """
    return transpose(x, axes)


def swapaxes(x: Tensor, axis1: int, axis2: int) -> Tensor:
    """Exchange two axes of ``x``. A transpose, so see ``Transpose`` for the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.swapaxes(sd.zeros(2, 3, 4), -1, -2).shape
    (2, 4, 3)
    """
    x = constant(x)
    a = _axis("swapaxes", axis1, x.ndim, x.shape)
    b = _axis("swapaxes", axis2, x.ndim, x.shape)
    axes = list(range(x.ndim))
    axes[a], axes[b] = b, a
    return Transpose.apply(x, axes=tuple(axes))


# ----------------------------------------------------------------------------- broadcast
def broadcast_to(x: Tensor, shape) -> Tensor:
    """View ``x`` repeated along new leading axes and along its size-1 axes, to ``shape``.

    A size of -1 keeps that axis' size (PyTorch's ``expand``). The gradient sums over the
    repeated axes (see ``BroadcastTo`` in ``_broadcast.py``).

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.broadcast_to(sd.tensor([1.0, 2.0]), (2, 2))
    tensor([[1., 2.],
            [1., 2.]])
    """
    x = constant(x)
    target = _int_tuple("broadcast_to", "shape", shape)
    lead = len(target) - x.ndim
    problem = f"the target has fewer axes than the tensor ({x.ndim})" if lead < 0 else None
    if lead >= 0:
        target = target[:lead] + tuple(
            size if want == -1 else want for size, want in zip(x.shape, target[lead:])
        )
        for axis, (size, want) in enumerate(zip(x.shape, target[lead:])):
            if size != want and size != 1:
                problem = f"axis {axis} has size {size} but the target size is {want}"
                break
        if any(s < 0 for s in target):
            problem = "sizes must be >= 0 (-1 is only allowed for the tensor's own axes)"
    if problem:
        raise ShapeError(
            f"broadcast_to: cannot broadcast a tensor of shape {x.shape} to shape {shape}: "
            f"{problem}. Each axis must match the target size or have size 1."
        )
    return _broadcast_to(x, target)

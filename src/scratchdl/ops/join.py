"""Ops that join, split, pad and repeat tensors: concatenate, stack, split, chunk, pad, repeat,
tile. They build batches from samples, split the fused query/key/value projection of attention
into its parts, and pad images before a convolution.

As in ``shape.py``, nothing here does arithmetic, so each backward moves the gradient back to
where the element came from: the backward of a concatenation is slices of g, of a pad a slice.
Split and chunk are slicing, and repeat and tile are a reshape, a broadcast and a reshape, so
their gradients come for free from the pieces (``GetItem``, ``BroadcastTo``, ``Reshape``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scratchdl.autograd.function import Function
from scratchdl.errors import DTypeError, ShapeError
from scratchdl.ops._broadcast import broadcast_to as _broadcast_to
from scratchdl.ops._convert import constant
from scratchdl.ops.cast import astype
from scratchdl.ops.index import getitem
from scratchdl.ops.shape import Reshape, _axis, _int_tuple
from scratchdl.tensor import Tensor

__all__ = [
    "chunk",
    "concatenate",
    "pad",
    "repeat",
    "split",
    "stack",
    "tile",
]


# ----------------------------------------------------------------------------- argument helpers
def _along(axis: int, index) -> tuple:
    """An index that applies ``index`` to ``axis`` and takes everything on the axes before it."""
    return (slice(None),) * axis + (index,)


def _result_dtype(tensors: Sequence[Tensor]) -> np.dtype:
    """The dtype of a join: floats win over integers (no float64 from int64 + float32)."""
    floats = [t.data.dtype for t in tensors if t.data.dtype.kind == "f"]
    return np.result_type(*floats) if floats else np.result_type(*[t.data.dtype for t in tensors])


def _same_dtype(dx: Tensor, x: Tensor) -> Tensor:
    return dx if dx.data.dtype == x.data.dtype else astype(dx, x.data.dtype)


# ----------------------------------------------------------------------------- joining
def _check_join(op: str, tensors) -> list[Tensor]:
    if isinstance(tensors, (Tensor, np.ndarray)) or not isinstance(tensors, Sequence):
        raise TypeError(
            f"{op}: expected a list or tuple of tensors; received {type(tensors).__name__}. "
            f"Write {op}([a, b]), not {op}(a, b)."
        )
    if not tensors:
        raise ShapeError(f"{op}: needs at least one tensor; received an empty sequence.")
    return [constant(t) for t in tensors]


class Concatenate(Function):
    """y = [x_0, x_1, ...] joined along ``axis``

    Backward: y's slice offset_i : offset_i + n_i along ``axis`` is exactly x_i, so each input's
    gradient is the matching slice of g: dx_i = g[..., offset_i : offset_i + n_i, ...].
    Saved for backward: the sizes n_i along ``axis``.
    Notes: inputs of different dtypes are promoted (floats win over integers); each gradient is
    cast back to its input's dtype.
    Double backward: supported.
    """

    def forward(self, *arrays, axis, dtype):
        self.axis = axis
        self.sizes = [a.shape[axis] for a in arrays]
        return np.concatenate(arrays, axis=axis, dtype=dtype)

    def backward(self, g):
        grads = []
        offsets = np.cumsum([0, *self.sizes])
        for i, x in enumerate(self.inputs):
            if not self.needs_input_grad[i]:
                grads.append(None)
                continue
            dx = getitem(g, _along(self.axis, slice(int(offsets[i]), int(offsets[i + 1]))))
            grads.append(_same_dtype(dx, x))
        return tuple(grads)


def concatenate(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis; all other sizes must match.

    See ``Concatenate`` for the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.concatenate([sd.zeros(2, 3), sd.ones(1, 3)]).shape
    (3, 3)
    """
    tensors = _check_join("concatenate", tensors)
    first = tensors[0]
    if first.ndim == 0:
        raise ShapeError(
            "concatenate: 0-d tensors have no axis to join along; use stack(...) instead."
        )
    axis = _axis("concatenate", axis, first.ndim, first.shape)
    for t in tensors[1:]:
        if t.ndim != first.ndim or t.shape[:axis] + t.shape[axis + 1 :] != (
            first.shape[:axis] + first.shape[axis + 1 :]
        ):
            shapes = ", ".join(str(u.shape) for u in tensors)
            raise ShapeError(
                f"concatenate: shapes {shapes} cannot be joined along axis {axis}; all sizes "
                "except the one along that axis must match."
            )
    return Concatenate.apply(*tensors, axis=axis, dtype=_result_dtype(tensors))


class Stack(Function):
    """y = [x_0, x_1, ...] stacked along a new axis ``axis``

    Backward: y[..., i, ...] (index i on the new axis) is x_i, so dx_i = g[..., i, ...], which
    also removes that axis.
    Notes: dtypes are promoted as in ``Concatenate``, and gradients cast back.
    Double backward: supported.
    """

    def forward(self, *arrays, axis, dtype):
        self.axis = axis
        return np.stack(arrays, axis=axis, dtype=dtype)

    def backward(self, g):
        return tuple(
            _same_dtype(getitem(g, _along(self.axis, i)), x) if self.needs_input_grad[i] else None
            for i, x in enumerate(self.inputs)
        )


def stack(tensors: Sequence[Tensor], axis: int = 0) -> Tensor:
    """Join tensors of the same shape along a new axis. See ``Stack`` for the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.stack([sd.zeros(2, 3), sd.ones(2, 3)], axis=-1).shape
    (2, 3, 2)
    """
    tensors = _check_join("stack", tensors)
    first = tensors[0]
    axis = _axis("stack", axis, first.ndim + 1, first.shape)
    if any(t.shape != first.shape for t in tensors):
        shapes = ", ".join(str(t.shape) for t in tensors)
        raise ShapeError(f"stack: all tensors must have the same shape; received shapes {shapes}.")
    return Stack.apply(*tensors, axis=axis, dtype=_result_dtype(tensors))


# ----------------------------------------------------------------------------- splitting
def split(x: Tensor, indices_or_sections, axis: int = 0) -> list[Tensor]:
    """Split ``x`` along ``axis`` into a list of tensors (NumPy's ``split``).

    An int N makes N equal parts (the size must divide evenly; see ``chunk`` otherwise). A
    sequence of indices gives the boundaries: [2, 5] makes x[:2], x[2:5], x[5:]. Each part is a
    slice of x, so its gradient is placed back by the slicing backward (``GetItem``).

    Examples
    --------
    >>> import scratchdl as sd
    >>> [t.shape for t in sd.split(sd.zeros(5, 2), [2, 3])]
    [(2, 2), (1, 2), (2, 2)]
    """
    x = constant(x)
    if x.ndim == 0:
        raise ShapeError("split: a 0-d tensor has no axis to split.")
    axis = _axis("split", axis, x.ndim, x.shape)
    size = x.shape[axis]
    if isinstance(indices_or_sections, (Sequence, np.ndarray)):
        bounds = [None, *_int_tuple("split", "indices", indices_or_sections), None]
    else:
        sections = _int_tuple("split", "indices_or_sections", indices_or_sections)[0]
        if sections <= 0 or size % sections:
            raise ShapeError(
                f"split: axis {axis} of a tensor of shape {x.shape} (size {size}) cannot be "
                f"divided into {sections} equal sections. Use chunk(x, {sections}) for parts of "
                "unequal size, or pass the split indices."
            )
        step = size // sections
        bounds = [None, *(step * i for i in range(1, sections)), None]
    return [getitem(x, _along(axis, slice(a, b))) for a, b in zip(bounds[:-1], bounds[1:])]


def chunk(x: Tensor, chunks: int, axis: int = 0) -> list[Tensor]:
    """Split ``x`` into ``chunks`` parts of size ceil(n / chunks) along ``axis`` (PyTorch's chunk).

    The last part may be smaller, and there may be fewer than ``chunks`` parts. Each part is a
    slice, so see ``GetItem`` for the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> [t.shape for t in sd.chunk(sd.zeros(5), 3)]
    [(2,), (2,), (1,)]
    """
    x = constant(x)
    if x.ndim == 0:
        raise ShapeError("chunk: a 0-d tensor has no axis to split.")
    chunks = _int_tuple("chunk", "chunks", chunks)[0]
    if chunks <= 0:
        raise ShapeError(f"chunk: chunks must be a positive integer; received chunks={chunks}.")
    axis = _axis("chunk", axis, x.ndim, x.shape)
    size = x.shape[axis]
    if size == 0:
        return [getitem(x, _along(axis, slice(None))) for _ in range(chunks)]
    step = -(-size // chunks)  # ceil(size / chunks)
    return [getitem(x, _along(axis, slice(a, a + step))) for a in range(0, size, step)]


# ----------------------------------------------------------------------------- padding
class Pad(Function):
    """y = x surrounded by ``before[i]`` and ``after[i]`` constant values along each axis i

    Backward: the padding is constant, so only the interior of y depends on x, element for
    element: dx = g[before[0] : before[0] + n_0, before[1] : before[1] + n_1, ...].
    Saved for backward: that interior index.
    Double backward: supported.
    """

    def forward(self, x, widths, value):
        shape = tuple(n + b + a for n, (b, a) in zip(x.shape, widths))
        y = np.zeros(shape, x.dtype) if value == 0 else np.full(shape, value, x.dtype)
        self.interior = tuple(slice(b, b + n) for n, (b, _) in zip(x.shape, widths))
        y[self.interior] = x
        return y

    def backward(self, g):
        return getitem(g, self.interior)


def pad(x: Tensor, pad_width, value: float = 0.0) -> Tensor:
    """Pad ``x`` with a constant ``value`` (NumPy's ``pad`` in constant mode).

    ``pad_width`` takes NumPy's forms: ``n`` (n before and after every axis), ``(before, after)``
    (for every axis) or ``((before_0, after_0), (before_1, after_1), ...)`` (one pair per axis).
    See ``Pad`` for the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.pad(sd.tensor([1.0, 2.0]), (1, 2))
    tensor([0., 1., 2., 0., 0.])
    """
    x = constant(x)
    widths = np.asarray(pad_width)
    if widths.dtype.kind not in "iu" and not (widths.dtype.kind == "f" and widths.size == 0):
        raise DTypeError(f"pad: pad_width must hold integers; received pad_width={pad_width!r}.")
    try:
        widths = np.broadcast_to(widths, (x.ndim, 2))
    except ValueError:
        raise ShapeError(
            f"pad: pad_width={pad_width!r} does not fit a tensor of shape {x.shape}; expected an "
            f"int, a (before, after) pair, or {x.ndim} such pairs (one per axis)."
        ) from None
    if (widths < 0).any():
        raise ShapeError(
            f"pad: pad widths must be >= 0; received pad_width={pad_width!r}. To crop, index the "
            "tensor instead (x[1:-1])."
        )
    widths = tuple((int(b), int(a)) for b, a in widths)
    return Pad.apply(x, widths=widths, value=value)


# ----------------------------------------------------------------------------- repeating
def repeat(x: Tensor, repeats, axis: int | None = None) -> Tensor:
    """Repeat each element of ``x`` ``repeats`` times along ``axis`` (NumPy's ``repeat``).

    ``repeats`` is an int, or one count per element along ``axis``. With ``axis=None`` the tensor
    is flattened first. Built from differentiable pieces, so no hand-written backward:

    * one count r: an axis of size 1 is inserted after ``axis``, broadcast to r and merged back,
      (..., n, ...) -> (..., n, 1, ...) -> (..., n, r, ...) -> (..., n*r, ...); the gradient sums
      g over the r copies of each element;
    * one count per element: it is indexing with repeated indices, x[..., [0, 0, 1, 2, 2, 2]],
      whose backward adds up the gradients of the copies (``GetItem``).

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.repeat(sd.tensor([1.0, 2.0]), 2)
    tensor([1., 1., 2., 2.])
    >>> sd.repeat(sd.tensor([1.0, 2.0]), [1, 3])
    tensor([1., 2., 2., 2.])
    """
    x = constant(x)
    if axis is None:
        x, axis = Reshape.apply(x, shape=(x.size,)), 0
    elif x.ndim == 0:
        raise ShapeError("repeat: a 0-d tensor has no axis to repeat along; use axis=None.")
    axis = _axis("repeat", axis, x.ndim, x.shape)
    counts = np.asarray(repeats.data if isinstance(repeats, Tensor) else repeats)
    if counts.dtype.kind not in "iu" or counts.ndim > 1:
        raise DTypeError(
            f"repeat: repeats must be an int or a 1-D sequence of ints; received {repeats!r}."
        )
    size = x.shape[axis]
    if counts.size != 1 and counts.shape != (size,):
        raise ShapeError(
            f"repeat: repeats has {counts.size} counts but axis {axis} of a tensor of shape "
            f"{x.shape} has {size} elements; give one count per element or a single count."
        )
    if (counts < 0).any():
        raise ShapeError(f"repeat: repeats must be >= 0; received repeats={repeats!r}.")
    if counts.size != 1:
        return getitem(x, _along(axis, np.repeat(np.arange(size), counts)))
    r = int(counts.reshape(()))
    shape = x.shape
    x = Reshape.apply(x, shape=shape[: axis + 1] + (1,) + shape[axis + 1 :])
    x = _broadcast_to(x, shape[: axis + 1] + (r,) + shape[axis + 1 :])
    return Reshape.apply(x, shape=shape[:axis] + (size * r,) + shape[axis + 1 :])


def tile(x: Tensor, reps) -> Tensor:
    """Repeat the whole of ``x`` ``reps[i]`` times along each axis i (NumPy's ``tile``).

    If ``reps`` is shorter than x.ndim it is padded with leading 1s; if longer, x gets leading
    axes of size 1. Built from differentiable pieces: (s0, s1) -> (1, s0, 1, s1) -> broadcast to
    (r0, s0, r1, s1) -> (r0*s0, r1*s1), so the gradient sums g over the r0*r1 copies.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.tile(sd.tensor([1.0, 2.0]), 2)
    tensor([1., 2., 1., 2.])
    """
    x = constant(x)
    reps = _int_tuple("tile", "reps", reps)
    if any(r < 0 for r in reps):
        raise ShapeError(f"tile: reps must be >= 0; received reps={reps}.")
    ndim = max(x.ndim, len(reps))
    reps = (1,) * (ndim - len(reps)) + reps
    shape = (1,) * (ndim - x.ndim) + x.shape
    interleaved = tuple(d for pair in zip((1,) * ndim, shape) for d in pair)
    repeated = tuple(d for pair in zip(reps, shape) for d in pair)
    x = Reshape.apply(x, shape=interleaved)  # (s0, s1) -> (1, s0, 1, s1)
    x = _broadcast_to(x, repeated)  # -> (r0, s0, r1, s1), a view
    return Reshape.apply(x, shape=tuple(r * s for r, s in zip(reps, shape)))  # -> (r0*s0, r1*s1)

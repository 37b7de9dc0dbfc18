"""Turn the operands of an op into Tensors without changing dtypes behind the user's back.

A Python number mixed with a tensor takes the tensor's dtype (``x * 0.5`` stays float32); a number
mixed with an integer tensor makes a tensor of the default float dtype, as PyTorch does. Arrays
and lists become constant tensors (they never require grad).
"""

from __future__ import annotations

import numpy as np

from scratchdl import backend
from scratchdl.errors import ShapeError
from scratchdl.tensor import Tensor

_PY_NUMBERS = (int, float, bool, np.number, np.bool_)


def constant(value, like: Tensor | None = None) -> Tensor:
    """A Tensor outside the graph holding ``value``; Python numbers take the dtype of ``like``."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, _PY_NUMBERS) and like is not None:
        dtype = like.data.dtype
        if dtype.kind != "f" and isinstance(value, (float, np.floating)):
            dtype = backend.get_default_dtype()
        return Tensor._from_op(np.asarray(value, dtype=dtype), None)
    if isinstance(value, np.ndarray):
        if value.ndim == 0 and like is not None and value.dtype.kind == like.data.dtype.kind == "f":
            value = value.astype(like.data.dtype)  # a 0-d array acts like a number, as in PyTorch
        return Tensor._from_op(value, None)
    return Tensor(value)


def floating(x) -> Tensor:
    """``x`` as a Tensor; integer and boolean data become the default float dtype (as PyTorch:
    ``exp`` or ``mean`` of an integer tensor is a float tensor)."""
    x = constant(x)
    if x.data.dtype.kind != "f":
        x = Tensor._from_op(x.data.astype(backend.get_default_dtype()), None)
    return x


def number(op: str, name: str, value) -> float:
    """``value`` as a Python float (a NumPy float64 scalar would upcast float32 arithmetic)."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.number)):
        raise TypeError(f"{op}: {name} must be a real number; received {name}={value!r}.")
    return float(value)


def operands(a, b) -> tuple[Tensor, Tensor]:
    """Both operands of a binary op as Tensors (see the module docstring for dtypes)."""
    if not (isinstance(a, Tensor) and isinstance(b, Tensor)):
        if isinstance(a, Tensor):
            b = constant(b, a)
        elif isinstance(b, Tensor):
            a = constant(a, b)
        else:
            a, b = constant(a), constant(b)
    kind_a, kind_b = a.data.dtype.kind, b.data.dtype.kind
    # An integer tensor meeting a float: compute in the float dtype (ints never require grad).
    if kind_a != kind_b and (kind_a == "f" or kind_b == "f"):
        if kind_a != "f":
            a = Tensor._from_op(a.data.astype(b.data.dtype), None)
        else:
            b = Tensor._from_op(b.data.astype(a.data.dtype), None)
    return a, b


def float_operands(a, b) -> tuple[Tensor, Tensor]:
    """Like ``operands``, but two integer operands become the default float (true division)."""
    a, b = operands(a, b)
    if a.data.dtype.kind != "f" and b.data.dtype.kind != "f":
        dtype = backend.get_default_dtype()
        a = Tensor._from_op(a.data.astype(dtype), None)
        b = Tensor._from_op(b.data.astype(dtype), None)
    return a, b


def broadcast_error(op: str, *tensors: Tensor) -> ShapeError | None:
    """The error for operands whose shapes do not broadcast (None if they do broadcast)."""
    try:
        np.broadcast_shapes(*(t.shape for t in tensors))
        return None
    except ValueError:
        pass
    shapes = " and ".join(str(t.shape) for t in tensors)
    return ShapeError(
        f"{op}: shapes {shapes} cannot be broadcast together. Broadcasting compares shapes from "
        "the last axis backwards; each pair of sizes must be equal or one of them 1."
    )

"""Matrix multiplication with NumPy's semantics: the op inside every Linear layer and attention.

``matmul(a, b)`` multiplies the last two axes and broadcasts the leading (batch) axes. A 1-D ``a``
acts as a row vector (1, K) and a 1-D ``b`` as a column vector (K, 1); the added axis is removed
from the result.
"""

from __future__ import annotations

import numpy as np

from scratchdl.autograd.function import Function
from scratchdl.errors import DTypeError, ShapeError
from scratchdl.ops._broadcast import unbroadcast
from scratchdl.ops._convert import constant
from scratchdl.tensor import Tensor


def _swap_last(x: Tensor) -> Tensor:
    from scratchdl.ops.shape import swapaxes

    return swapaxes(x, -1, -2)


class MatMul(Function):
    """Y = A @ B, with A of shape (..., M, K) and B of shape (..., K, N), Y of shape (..., M, N)

    Backward: Y[m, n] = sum_k A[m, k] B[k, n], so dY/dA[m, k] picks B[k, n] and
    dA = g @ Bᵀ (shape (..., M, K)) and dB = Aᵀ @ g (shape (..., K, N)), where ᵀ swaps the last
    two axes. Leading axes that were broadcast are summed back to each input's shape.
    1-D inputs: a vector a is treated as (1, K) and b as (K, 1); g gets the removed axis back
    before the formulas above, and the results drop it again.
    Double backward: supported.
    """

    def forward(self, a, b):
        return np.matmul(a, b)

    def backward(self, g):
        a, b = self.inputs
        a2 = a.reshape(1, -1) if a.ndim == 1 else a
        b2 = b.reshape(-1, 1) if b.ndim == 1 else b
        if b.ndim == 1:
            g = g.unsqueeze(-1)  # (..., M) -> (..., M, 1); first, so a 0-d g (vector·vector) works
        if a.ndim == 1:
            g = g.unsqueeze(-2)  # (..., N) -> (..., 1, N)
        da = db = None
        if self.needs_input_grad[0]:
            da = unbroadcast(matmul(g, _swap_last(b2)), a2)
            if a.ndim == 1:
                da = da.reshape(a.shape)
        if self.needs_input_grad[1]:
            db = unbroadcast(matmul(_swap_last(a2), g), b2)
            if b.ndim == 1:
                db = db.reshape(b.shape)
        return da, db


def _check_matmul(a: Tensor, b: Tensor) -> None:
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(
            f"matmul: both operands need at least one axis; received shapes {a.shape} and "
            f"{b.shape}. Use * to multiply by a scalar."
        )
    inner_a = a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if inner_a != inner_b:
        raise ShapeError(
            f"matmul: cannot multiply shapes {a.shape} and {b.shape}: the inner dimensions "
            f"{inner_a} and {inner_b} differ."
        )
    if a.data.dtype != b.data.dtype:
        raise DTypeError(
            f"matmul: both operands must have the same dtype; received {a.data.dtype} and "
            f"{b.data.dtype}. Convert one with .astype(...)."
        )


def matmul(a, b) -> Tensor:
    """Matrix product with NumPy semantics (batched, broadcasting). See ``MatMul``.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.matmul(sd.tensor([[1.0, 2.0]]), sd.tensor([[3.0], [4.0]]))
    tensor([[11.]])
    """
    a, b = constant(a), constant(b)
    _check_matmul(a, b)
    try:
        return MatMul.apply(a, b)
    except ValueError:
        raise ShapeError(
            f"matmul: the batch axes of shapes {a.shape} and {b.shape} cannot be broadcast "
            "together (everything before the last two axes must broadcast)."
        ) from None

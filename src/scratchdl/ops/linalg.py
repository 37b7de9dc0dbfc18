"""Matrix multiplication with NumPy's semantics: the op inside every Linear layer and attention.

``matmul(a, b)`` multiplies the last two axes and broadcasts the leading (batch) axes. A 1-D ``a``
acts as a row vector (1, K) and a 1-D ``b`` as a column vector (K, 1); the added axis is removed
from the result.

The op itself can also multiply by a transposed operand (``Aᵀ @ B``, ``A @ Bᵀ``) without a separate
transpose node. Backward needs exactly those products, so each input gradient costs one op, and
``nn.Linear`` uses it for ``x @ Wᵀ``.
"""

from __future__ import annotations

import numpy as np

from scratchdl.autograd.function import Function
from scratchdl.errors import DTypeError, ShapeError
from scratchdl.ops._broadcast import unbroadcast
from scratchdl.ops._convert import constant
from scratchdl.tensor import Tensor


def _t(array: np.ndarray) -> np.ndarray:
    return array.swapaxes(-1, -2)  # a view: (..., M, K) -> (..., K, M)


class MatMul(Function):
    """Y = A' @ B', where A' is A or Aᵀ (``transpose_a``) and B' is B or Bᵀ (``transpose_b``)

    ᵀ swaps the last two axes. With A' of shape (..., M, K) and B' of shape (..., K, N), Y has
    shape (..., M, N).

    Backward: Y[m, n] = sum_k A'[m, k] B'[k, n], so dY/dA'[m, k] picks B'[k, n], giving
    dA' = g @ B'ᵀ and dB' = A'ᵀ @ g. Undoing the optional transposes:

        dA = g @ B'ᵀ           (A not transposed)    dA = (g @ B'ᵀ)ᵀ = B' @ gᵀ   (transposed)
        dB = A'ᵀ @ g           (B not transposed)    dB = (A'ᵀ @ g)ᵀ = gᵀ @ A'   (transposed)

    and each of these is again one MatMul with suitable flags (B'ᵀ is just B with the flag
    flipped). Leading axes that were broadcast are summed back to each input's shape.
    1-D inputs (no flags): a vector a is treated as (1, K) and b as (K, 1); g gets the removed
    axis back first, and the results drop it again.
    Double backward: supported.
    """

    def forward(self, a, b, transpose_a=False, transpose_b=False):
        self.transpose_a, self.transpose_b = transpose_a, transpose_b
        return np.matmul(_t(a) if transpose_a else a, _t(b) if transpose_b else b)

    def backward(self, g):
        a, b = self.inputs
        ta, tb = self.transpose_a, self.transpose_b
        if a.ndim == 1 or b.ndim == 1:
            return self._vector_backward(g, a, b)
        da = db = None
        if self.needs_input_grad[0]:
            if not ta:  # dA = g @ B'ᵀ
                da = _matmul(g, b, transpose_b=not tb)
            else:  # dA = B' @ gᵀ
                da = _matmul(b, g, transpose_a=tb, transpose_b=True)
            da = unbroadcast(da, a)
        if self.needs_input_grad[1]:
            if not tb:  # dB = A'ᵀ @ g
                db = _matmul(a, g, transpose_a=not ta)
            else:  # dB = gᵀ @ A'
                db = _matmul(g, a, transpose_a=True, transpose_b=ta)
            db = unbroadcast(db, b)
        return da, db

    def _vector_backward(self, g, a, b):
        a2 = a.reshape(1, -1) if a.ndim == 1 else a
        b2 = b.reshape(-1, 1) if b.ndim == 1 else b
        if b.ndim == 1:
            g = g.unsqueeze(-1)  # (..., M) -> (..., M, 1); first, so a 0-d g (vector·vector) works
        if a.ndim == 1:
            g = g.unsqueeze(-2)  # (..., N) -> (..., 1, N)
        da = db = None
        if self.needs_input_grad[0]:
            da = unbroadcast(_matmul(g, b2, transpose_b=True), a2).reshape(a.shape)
        if self.needs_input_grad[1]:
            db = unbroadcast(_matmul(a2, g, transpose_a=True), b2).reshape(b.shape)
        return da, db


def _matmul(a: Tensor, b: Tensor, transpose_a: bool = False, transpose_b: bool = False) -> Tensor:
    """MatMul without argument checks, for backward formulas whose shapes are right by design."""
    return MatMul.apply(a, b, transpose_a=transpose_a, transpose_b=transpose_b)


def _check_matmul(a: Tensor, b: Tensor, transpose_a: bool, transpose_b: bool) -> None:
    if a.ndim == 0 or b.ndim == 0:
        raise ShapeError(
            f"matmul: both operands need at least one axis; received shapes {a.shape} and "
            f"{b.shape}. Use * to multiply by a scalar."
        )
    if (transpose_a and a.ndim < 2) or (transpose_b and b.ndim < 2):
        raise ShapeError(
            f"matmul: transposing needs an operand with at least two axes; received shapes "
            f"{a.shape} and {b.shape} with transpose_a={transpose_a}, transpose_b={transpose_b}."
        )
    inner_a = a.shape[-2] if transpose_a else a.shape[-1]
    inner_b = b.shape[0] if b.ndim == 1 else b.shape[-1 if transpose_b else -2]
    if inner_a != inner_b:
        raise ShapeError(
            f"matmul: cannot multiply shapes {a.shape} and {b.shape}"
            + (
                f" (transpose_a={transpose_a}, transpose_b={transpose_b})"
                if transpose_a or transpose_b
                else ""
            )
            + f": the inner dimensions {inner_a} and {inner_b} differ."
        )
    if a.data.dtype != b.data.dtype:
        raise DTypeError(
            f"matmul: both operands must have the same dtype; received {a.data.dtype} and "
            f"{b.data.dtype}. Convert one with .astype(...)."
        )


def matmul(a, b, transpose_a: bool = False, transpose_b: bool = False) -> Tensor:
    """Matrix product with NumPy semantics (batched, broadcasting). See ``MatMul``.

    ``transpose_a``/``transpose_b`` multiply by the operand with its last two axes swapped,
    without making a transposed copy or an extra graph node: ``matmul(x, w, transpose_b=True)``
    is ``x @ w.swapaxes(-1, -2)``.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.matmul(sd.tensor([[1.0, 2.0]]), sd.tensor([[3.0], [4.0]]))
    tensor([[11.]])
    >>> sd.matmul(sd.ones(2, 3), sd.ones(4, 3), transpose_b=True).shape
    (2, 4)
    """
    a, b = constant(a), constant(b)
    if a.data.dtype != b.data.dtype or not (a.data.ndim and b.data.ndim):
        _check_matmul(a, b, transpose_a, transpose_b)
    try:
        return MatMul.apply(a, b, transpose_a=transpose_a, transpose_b=transpose_b)
    except ValueError:  # NumPy found the shapes incompatible: say how, in our words
        _check_matmul(a, b, transpose_a, transpose_b)
        raise ShapeError(
            f"matmul: the batch axes of shapes {a.shape} and {b.shape} cannot be broadcast "
            "together (everything before the last two axes must broadcast)."
        ) from None

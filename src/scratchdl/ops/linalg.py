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


def _swap_last(x: Tensor) -> Tensor:
    from scratchdl.ops.shape import swapaxes

    return swapaxes(x, -1, -2)


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
    if (transpose_a or transpose_b) and (a.data.ndim == 1 or b.data.ndim == 1):
        # The vector rules of MatMul.backward assume unflagged operands: transpose explicitly.
        _check_matmul(a, b, transpose_a, transpose_b)
        a = _swap_last(a) if transpose_a else a
        b = _swap_last(b) if transpose_b else b
        transpose_a = transpose_b = False
    try:
        return MatMul.apply(a, b, transpose_a=transpose_a, transpose_b=transpose_b)
    except ValueError:  # NumPy found the shapes incompatible: say how, in our words
        _check_matmul(a, b, transpose_a, transpose_b)
        raise ShapeError(
            f"matmul: the batch axes of shapes {a.shape} and {b.shape} cannot be broadcast "
            "together (everything before the last two axes must broadcast)."
        ) from None


class Linear(Function):
    """y = x @ Wᵀ + b, the affine map of a fully connected layer, as one graph node

    Shapes: x (..., in), W (out, in), b (out,) or absent; y (..., out).
    Backward: y = x Wᵀ + b is a matmul plus a broadcast add, so (see ``MatMul``)
        dx = g @ W                      (..., in)
        dW = Σ over rows of gᵀ x = g2ᵀ @ x2, with g2, x2 the rows of g and x flattened to 2-D
        db = Σ over rows of g           (sum over every axis but the last)
    Each is one MatMul or SumTo, so a layer costs one node forward and at most three ops
    backward. ``_reference_linear`` composes the same from matmul and add.
    Double backward: supported.
    """

    def forward(self, x, w, b=None):
        # (..., in) -> (rows, in): one 2-D GEMM is faster than NumPy's batched matmul loop.
        y = np.matmul(x.reshape(-1, x.shape[-1]), w.T).reshape(x.shape[:-1] + (w.shape[0],))
        if b is not None:
            y += b
        return y

    def backward(self, g):
        x, w = self.inputs[0], self.inputs[1]
        dx = None
        if self.needs_input_grad[0]:
            if g.ndim <= 2:
                dx = _matmul(g, w)
            else:  # (..., out) -> (rows, out) @ (out, in) -> (..., in), one 2-D GEMM
                dx = _matmul(g.reshape(-1, g.shape[-1]), w).reshape(x.shape)
        dw = db = None
        if self.needs_input_grad[1]:
            if x.ndim == 2:
                dw = _matmul(g, x, transpose_a=True)
            else:  # (..., out) and (..., in) -> (rows, out) and (rows, in)
                dw = _matmul(g.reshape(-1, g.shape[-1]), x.reshape(-1, x.shape[-1]), True)
        if len(self.inputs) == 3 and self.needs_input_grad[2]:
            db = unbroadcast(g, self.inputs[2])
        return dx, dw, db


def _reference_linear(x: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """The textbook composition of ``linear``, for reading and the equivalence test."""
    y = matmul(x, weight.swapaxes(-1, -2))
    return y if bias is None else y + bias


def linear(x, weight, bias=None) -> Tensor:
    """Affine map ``x @ weight.T + bias`` (PyTorch's F.linear). See ``Linear``.

    ``weight`` has shape (out_features, in_features), ``bias`` (out_features,).

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.ops.linalg.linear(sd.ones(2, 3), sd.ones(4, 3), sd.zeros(4)).shape
    (2, 4)
    """
    x, weight = constant(x), constant(weight)
    if weight.ndim != 2:
        raise ShapeError(
            f"linear: weight must have shape (out_features, in_features); received shape "
            f"{weight.shape}."
        )
    if x.ndim == 0 or x.shape[-1] != weight.shape[1]:
        raise ShapeError(
            f"linear: input has {x.shape[-1] if x.ndim else 0} features in its last dimension "
            f"(shape {x.shape}); the weight of shape {weight.shape} expects {weight.shape[1]}."
        )
    if x.data.dtype != weight.data.dtype:
        raise DTypeError(
            f"linear: input dtype {x.data.dtype} differs from weight dtype {weight.data.dtype}; "
            "convert the input with x.astype(...) (float32 is the default)."
        )
    if bias is None:
        return Linear.apply(x, weight)
    bias = constant(bias)
    if bias.shape != (weight.shape[0],):
        raise ShapeError(
            f"linear: bias must have shape ({weight.shape[0]},) to match the weight's "
            f"out_features; received shape {bias.shape}."
        )
    return Linear.apply(x, weight, bias)

"""Dropout, embedding lookup and one-hot encoding.

Dropout regularises every MLP, CNN and Transformer in the course; embedding turns token ids into
vectors at the bottom of every language model; one_hot turns class labels into the indicator
vectors that the cross-entropy derivation uses.
"""

from __future__ import annotations

import numpy as np

from scratchdl import backend
from scratchdl.autograd.function import Function
from scratchdl.errors import DTypeError, ShapeError
from scratchdl.ops._convert import constant
from scratchdl.ops.index import ScatterAdd
from scratchdl.ops.linalg import matmul
from scratchdl.tensor import Tensor

__all__: list[str] = []


class Dropout(Function):
    """y = x * keep * scale, with keep a random boolean array (each element kept with probability
    1 - p) and scale = 1 / (1 - p) (inverted dropout)

    Forward: each element is zeroed with probability p and the survivors are scaled by
    1 / (1 - p), so E[y] = x and the network needs no rescaling at evaluation time. Two passes
    over the output: y = x * keep (the bool mask is cast on the fly), then y *= scale.
    Backward: y is x times the constant keep * scale, so dx = g * keep * scale (the same mask:
    the elements dropped in the forward pass get no gradient). That is the same masked scaling
    applied to g, the op ``MaskScale``.
    Saved for backward: the boolean mask keep (1 byte per element, not a float mask of x's
    dtype) and the Python float scale.
    Shapes: any; y has x's shape, and so does keep.
    Notes: p = 1 drops everything: keep is all False and the scale is taken as 0 (1 / (1 - p)
    is never formed), so y = 0 and dx = 0; no random numbers are drawn.
    Double backward: supported (MaskScale is linear in its input; its backward is itself).
    """

    def forward(self, x, p, generator):
        if p == 1:
            self.keep, self.scale = np.zeros(x.shape, dtype=bool), 0.0
        else:
            self.keep = generator.random(x.shape, dtype=np.float32) >= p  # P(keep) = 1 - p
            self.scale = 1.0 / (1.0 - p)
        return _mask_scale(x, self.keep, self.scale)

    def backward(self, g):
        return MaskScale.apply(g, keep=self.keep, scale=self.scale)


class MaskScale(Function):
    """y = a * keep * scale for a constant boolean mask keep and a Python float scale: dropout's
    forward with a given mask, and its backward (dx = MaskScale(g))

    Backward: y is linear in a with the constant diagonal Jacobian keep * scale, so
    da = h * keep * scale, this op again for an upstream gradient h.
    Saved for backward: keep and scale (shared with Dropout, not copied).
    Shapes: any; keep has a's shape.
    Double backward: supported.
    """

    def forward(self, a, keep, scale):
        self.keep, self.scale = keep, scale
        return _mask_scale(a, keep, scale)

    def backward(self, h):
        return MaskScale.apply(h, keep=self.keep, scale=self.scale)


def _mask_scale(a: np.ndarray, keep: np.ndarray, scale: float) -> np.ndarray:
    """a * keep * scale in two passes over a fresh array of a's dtype (scale stays a Python
    float, so float32 stays float32)."""
    out = np.multiply(a, keep, out=np.empty_like(a))  # out=: a 0-d result stays an array
    out *= scale
    return out


# Up to this many rows the one-hot matmul beats np.add.at (measured, see Embedding).
_ONE_HOT_MAX_ROWS = 128


class Embedding(Function):
    """y = weight[indices]: the rows of the (V, D) table named by indices of any shape (...),
    giving y of shape (..., D)

    Backward: y[i] = weight[indices[i]], so row r of weight collects the gradient of every position
    that read it:
        dw[r] = sum over positions i with indices[i] == r of g[i]       (a scatter-add)
    Repeated indices (the same token twice in a batch) must add up; ``dw[indices] = g`` would keep
    only one of them. Two ways, both built from existing ops, chosen by V:
    * V <= 128 (characters, classes): dw = O @ g with the one-hot matrix O (V, n),
      O[indices[i], i] = 1, and g seen as (n, D): one BLAS call of the matmul op;
    * otherwise indexing's own backward, ``ScatterAdd`` in ``index.py`` with the index
      (indices,): each (position, column) pair becomes one flat position of dw, added with
      ``np.add.at``.
    Measured on this machine's NumPy 2 (float32, the scatter-add alone): the matmul is 1.1x to
    6x faster than np.add.at for V = 16 to 128 (D = 64 to 768, n = 8192) and slower above;
    np.add.at is 1.2x to 3.3x faster than the sort + ``np.add.reduceat`` over rows used before
    (D = 768, V = 256 to 50257; V = 50257, n = 16384: 44 ms against 149 ms).
    Empty indices give dw = 0, as in PyTorch.
    Saved for backward: the indices and the table shape (V, D).
    Shapes: weight (V, D), indices (...) -> y (..., D); dw has weight's shape (V, D).
    Double backward: supported (the backward is the matmul op or ScatterAdd, whose own backward
    is the lookup again).
    """

    def forward(self, weight, indices):
        self.indices, self.weight_shape = indices, weight.shape
        return weight[indices]

    def backward(self, g):
        num_rows, dim = self.weight_shape
        if num_rows > _ONE_HOT_MAX_ROWS:
            return ScatterAdd.apply(g, index=(self.indices,), shape=self.weight_shape)
        flat = self.indices.reshape(-1)  # (...,) -> (n,)
        onehot = np.zeros((num_rows, flat.size), dtype=g.dtype)  # (V, n)
        onehot[flat, np.arange(flat.size)] = 1
        return matmul(constant(onehot), g.reshape(flat.size, dim))  # (V, n) @ (n, D) -> (V, D)


def _integer_indices(op: str, indices) -> np.ndarray:
    array = indices.data if isinstance(indices, Tensor) else np.asarray(indices)
    if array.dtype.kind not in "iu":
        raise DTypeError(
            f"{op}: indices must be integers; received dtype {array.dtype}. Convert them with "
            "indices.astype('int64')."
        )
    return array


def dropout(x: Tensor, p: float = 0.5, training: bool = True, generator=None) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1 / (1 - p)``.

    Parameters
    ----------
    x : Tensor
    p : float in [0, 1]
        Probability of dropping an element.
    training : bool
        In evaluation (``training=False``) dropout is the identity and ``x`` is returned.
    generator : numpy.random.Generator, optional
        Source of the random mask; defaults to scratchdl's global generator (see
        ``sd.manual_seed``).

    See ``Dropout`` for the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.nn import functional as F
    >>> y = F.dropout(sd.ones(8), p=0.5)
    >>> sorted(set(y.tolist()))
    [0.0, 2.0]
    >>> F.dropout(sd.ones(2), p=0.5, training=False)
    tensor([1., 1.])
    """
    if isinstance(p, (bool, np.bool_)) or not isinstance(p, (int, float, np.integer, np.floating)):
        raise TypeError(
            f"dropout: p is the probability of dropping an element and must be a number between "
            f"0 and 1; received p={p!r} (type {type(p).__name__}). Pass a float such as p=0.5."
        )
    p = float(p)  # a Python float: NumPy scalars must not reach the forward (float64 scale)
    if not 0 <= p <= 1:
        raise ValueError(
            f"dropout: p is the probability of dropping an element and must be between 0 and 1; "
            f"received p={p!r}."
        )
    x = constant(x)
    if not training or p == 0:
        return x
    if x.dtype.kind != "f":
        raise DTypeError(f"dropout: input must be a floating tensor; received dtype {x.dtype}.")
    rng = backend.default_generator() if generator is None else generator
    return Dropout.apply(x, p=p, generator=rng)


def embedding(indices, weight: Tensor) -> Tensor:
    """Look up rows of ``weight`` (V, D) for integer ``indices`` of any shape: result (..., D).

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.nn import functional as F
    >>> table = sd.tensor([[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]])
    >>> F.embedding(sd.tensor([[2, 0], [1, 1]]), table).shape
    (2, 2, 2)
    """
    index_array = _integer_indices("embedding", indices)
    weight = constant(weight)
    if weight.ndim != 2:
        raise ShapeError(
            f"embedding: weight must be a 2-D table of shape (num_embeddings, embedding_dim); "
            f"received shape {weight.shape}."
        )
    num_rows = weight.shape[0]
    shown = _out_of_range(index_array, num_rows)
    if shown:
        raise ValueError(
            f"embedding: index {shown} is out of range for a table of {num_rows} rows (valid "
            f"indices are 0 to {num_rows - 1})."
        )
    return Embedding.apply(weight, indices=index_array)


def _out_of_range(indices: np.ndarray, size: int) -> str:
    """The first few distinct indices outside [0, size - 1], as text ('' when all are valid)."""
    if not indices.size or (indices.min() >= 0 and indices.max() < size):
        return ""
    bad = indices[(indices < 0) | (indices >= size)]
    return ", ".join(str(b) for b in np.unique(bad)[:5])


def one_hot(indices, num_classes: int = -1) -> Tensor:
    """Indicator vectors: ``one_hot(t)[..., c] = 1 if t[...] == c else 0``, dtype int64.

    ``num_classes=-1`` takes it as ``indices.max() + 1``. The result has shape
    ``indices.shape + (num_classes,)`` and is not differentiable (integers).

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.nn import functional as F
    >>> F.one_hot(sd.tensor([0, 2]), num_classes=3)
    tensor([[1, 0, 0],
            [0, 0, 1]], dtype=int64)
    """
    t = _integer_indices("one_hot", indices)
    if isinstance(num_classes, (bool, np.bool_)) or not isinstance(num_classes, (int, np.integer)):
        raise TypeError(
            f"one_hot: num_classes must be an integer (the length of each one-hot vector) or -1 "
            f"to infer it; received num_classes={num_classes!r} (type "
            f"{type(num_classes).__name__}). Pass an int such as num_classes=10."
        )
    num_classes = int(num_classes)
    if num_classes == -1:
        if t.size == 0:
            raise ValueError(
                "one_hot: cannot infer num_classes from empty indices; pass num_classes."
            )
        num_classes = int(t.max()) + 1
    if num_classes < 0:
        raise ValueError(
            f"one_hot: num_classes must be a non-negative integer or -1; received "
            f"num_classes={num_classes!r}."
        )
    shown = _out_of_range(t, num_classes)
    if shown:
        raise ValueError(
            f"one_hot: class index {shown} is outside the valid range [0, {num_classes - 1}] "
            f"for num_classes={num_classes}."
        )
    out = np.zeros(t.shape + (num_classes,), dtype=np.int64)
    np.put_along_axis(out, t[..., None].astype(np.intp), 1, axis=-1)
    return Tensor._from_op(out, None)

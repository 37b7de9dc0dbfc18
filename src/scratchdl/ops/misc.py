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
from scratchdl.tensor import Tensor

__all__: list[str] = []


class Dropout(Function):
    """y = x * mask, with mask = m / (1 - p) and m a random 0/1 array, each m = 1 with
    probability 1 - p (inverted dropout)

    Forward: each element is zeroed with probability p and the survivors are scaled by
    1 / (1 - p), so E[y] = x and the network needs no rescaling at evaluation time.
    Backward: y is x times a constant, so dx = g * mask (the same mask: the elements dropped in
    the forward pass get no gradient).
    Saved for backward: the scaled mask.
    Notes: p = 1 drops everything: y = 0 and dx = 0 (the scale 1 / (1 - p) is never formed).
    Double backward: supported.
    """

    def forward(self, x, p, generator):
        if p == 1:
            self.mask = np.zeros_like(x)
        else:
            keep = generator.random(x.shape, dtype=np.float32) >= p  # P(keep) = 1 - p
            self.mask = keep.astype(x.dtype)
            self.mask *= 1 / (1 - p)
        return x * self.mask

    def backward(self, g):
        return g * constant(self.mask)


class Embedding(Function):
    """y = weight[indices]: the rows of the (V, D) table named by indices of any shape (...),
    giving y of shape (..., D)

    Backward: y[i] = weight[indices[i]], so row r of weight collects the gradient of every position
    that read it:
        dw[r] = sum over positions i with indices[i] == r of g[i]       (a scatter-add)
    Repeated indices (the same token twice in a batch) must add up; ``dw[indices] = g`` would keep
    only one of them. See ``ScatterAddRows`` for how the sum is computed fast.
    Saved for backward: the indices and V.
    Double backward: supported (the scatter-add and the lookup are each other's backward).
    """

    def forward(self, weight, indices):
        self.indices, self.num_rows = indices, weight.shape[0]
        return weight[indices]

    def backward(self, g):
        return ScatterAddRows.apply(g, indices=self.indices, num_rows=self.num_rows)


class ScatterAddRows(Function):
    """dw = zeros((V, D)); dw[indices[i]] += g[i] for every position i (the backward of Embedding)

    Forward: ``np.add.at`` does exactly this but is slow. Two faster ways, chosen by V:
    * small tables (V <= 128): build the one-hot matrix O (V, n) and compute O @ g, one BLAS call;
    * otherwise sort the positions by index, sum each run of equal indices with
      ``np.add.reduceat`` and write each sum into its row once.
    Backward: dw is linear in g and each g[i] lands in row indices[i], so dg[i] = h[indices[i]]
    for an upstream gradient h of dw's shape: the lookup, Embedding again.
    Double backward: supported.
    """

    def forward(self, g, indices, num_rows):
        self.indices = indices
        flat = indices.reshape(-1)  # (...,) -> (n,)
        g = g.reshape(flat.size, -1)  # (..., D) -> (n, D)
        if num_rows <= 128:
            onehot = np.zeros((num_rows, flat.size), dtype=g.dtype)  # (V, n)
            onehot[flat, np.arange(flat.size)] = 1
            return onehot @ g
        order = np.argsort(flat, kind="stable")
        rows = flat[order]
        starts = np.flatnonzero(np.concatenate(([True], rows[1:] != rows[:-1])))
        dw = np.zeros((num_rows, g.shape[1]), dtype=g.dtype)
        dw[rows[starts]] = np.add.reduceat(g[order], starts, axis=0)
        return dw

    def backward(self, h):
        return Embedding.apply(h, indices=self.indices)


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
    if isinstance(p, bool) or not isinstance(p, (int, float)) or not 0 <= p <= 1:
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
    return Dropout.apply(x, p=float(p), generator=rng)


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
    if num_classes == -1:
        if t.size == 0:
            raise ValueError(
                "one_hot: cannot infer num_classes from empty indices; pass num_classes."
            )
        num_classes = int(t.max()) + 1
    if not isinstance(num_classes, (int, np.integer)) or num_classes < 0:
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

"""Indexing, ``x[index]``, with NumPy's rules, and its backward: the scatter-add.

Reading elements through an index is how a classifier picks the logit of the true class
(``logits[arange(N), targets]``), how an embedding looks up its rows (``weight[token_ids]``), how a
sequence is sliced and how padding is masked out. Every NumPy index works: ints, slices (also with
negative steps), None, Ellipsis, integer arrays (lists, ndarrays or integer tensors), boolean
masks, and mixtures of them.

The backward of reading is writing. Each output element is a copy of one input element, so its
gradient goes back to the position it was read from; a position read several times
(``x[[0, 0, 1]]``) receives the sum of the gradients of all its copies. That "scatter-add" is an op
of its own (``ScatterAdd``), whose backward is indexing again, so gradients of gradients work.
"""

from __future__ import annotations

import math

import numpy as np

from scratchdl.autograd.function import Function
from scratchdl.errors import DTypeError
from scratchdl.ops._convert import constant
from scratchdl.tensor import Tensor

__all__: list[str] = []


class GetItem(Function):
    """y = x[index]

    Backward: every y element is a copy of the x element at the position the index selects, so
    d y[j] / d x[i] is 1 when y[j] was read from x[i] and 0 otherwise. The vector-Jacobian product
    sums g over all the y elements read from each x[i]:
    dx = zeros(x.shape); dx[index] += g, adding up repeated positions (``ScatterAdd``).
    Saved for backward: the index (with tensors and lists already turned into arrays) and x's
    shape.
    Notes: for an index of only ints, slices, None and Ellipsis, NumPy returns a view (no copy).
    Double backward: supported (the backward of ``ScatterAdd`` is ``GetItem``).
    """

    def forward(self, x, index):
        self.index = index
        self.x_shape = x.shape
        return x[index]

    def backward(self, g):
        return ScatterAdd.apply(g, index=self.index, shape=self.x_shape)


class ScatterAdd(Function):
    """y = zeros(shape); y[index] += g, where a position that the index names k times gets the
    sum of the k matching g elements

    Backward: y[i] = sum of the g[j] that the index sends to position i, so d y[i] / d g[j] is 1
    for those j: each g[j] receives the gradient of the one position it was added into,
    dg = gy[index], which is ``GetItem`` again.
    Notes: three ways to compute it, fastest first:
    (1) an index that cannot name a position twice (no integer arrays: slices, ints, None,
    Ellipsis, boolean masks) is a plain assignment y[index] = g;
    (2) one integer array among slices (``weight[ids]``, ``x[:, ids]``) turns into flat positions
    of single elements for ``np.add.at``, which NumPy 2 runs fast when each position is one
    element (not a row);
    (3) anything else uses ``np.add.at(y, index, g)``, NumPy's own scatter-add for any index.
    Double backward: supported.
    """

    def forward(self, g, index, shape):
        self.index = index
        return _scatter_add(g, index, shape)

    def backward(self, gy):
        return GetItem.apply(gy, index=self.index)


def _is_int_array(entry) -> bool:
    return isinstance(entry, np.ndarray) and entry.dtype.kind in "iu"


def _scatter_add(g: np.ndarray, index: tuple, shape: tuple[int, ...]) -> np.ndarray:
    """zeros(shape) with g added at ``index`` (repeated positions accumulate). See ScatterAdd."""
    arrays = [k for k, entry in enumerate(index) if _is_int_array(entry)]
    if not arrays:  # (1) every position at most once
        dx = np.zeros(shape, g.dtype)
        dx[index] = g
        return dx
    k = arrays[0]
    others = index[:k] + index[k + 1 :]
    if len(arrays) == 1 and all(e is None or e is Ellipsis or type(e) is slice for e in others):
        return _take_add(g, index, k, shape)  # (2)
    dx = np.zeros(shape, g.dtype)  # (3)
    np.add.at(dx, index, g)
    return dx


def _take_add(g: np.ndarray, index: tuple, k: int, shape: tuple[int, ...]) -> np.ndarray:
    """Scatter-add for an index whose only advanced entry is the integer array ``index[k]``.

    With that array replaced by a full slice, the index is basic and selects a view V of
    shape (pre..., n, post...) of the result; g has shape (pre..., ids.shape..., post...).
    Seen as (P, K, Q) against V's (P, n, Q), element (p, j, q) of g is added to the flat position
    (p * n + ids[j]) * Q + q of V, a 1-element-per-position ``np.add.at``.
    """
    ids = index[k]
    before = index[:k]
    consumed = sum(e is not None and e is not Ellipsis for e in index)  # axes of x the index names
    fill = len(shape) - consumed if any(e is Ellipsis for e in index) else 0
    ellipsis_before = any(e is Ellipsis for e in before)
    x_axis = sum(type(e) is slice for e in before) + (fill if ellipsis_before else 0)
    y_axis = sum(e is not Ellipsis for e in before) + (fill if ellipsis_before else 0)
    n = shape[x_axis]
    basic = before + (slice(None),) + index[k + 1 :]
    whole = all(e is Ellipsis or e == slice(None) for e in basic)
    if whole:
        view_shape = shape
    else:
        dx = np.zeros(shape, g.dtype)
        view = dx[basic]
        view_shape = view.shape
    p = math.prod(view_shape[:y_axis])
    q = math.prod(view_shape[y_axis + 1 :])
    ids = ids.reshape(-1).astype(np.intp, copy=False)
    if ids.size and ids.min() < 0:
        ids = np.where(ids < 0, ids + n, ids)
    positions = ids if q == 1 else (ids[:, None] * q + np.arange(q)).reshape(-1)  # (K*Q,)
    if p > 1:  # (P, 1) + (1, K*Q) -> (P, K*Q)
        positions = (np.arange(p)[:, None] * (n * q) + positions).reshape(-1)
    if whole:  # scatter straight into the result, which the engine can then keep as it is
        dx = np.zeros(shape, g.dtype)
        np.add.at(dx.reshape(-1), positions, g.reshape(-1))
        return dx
    flat = np.zeros(p * n * q, g.dtype)
    np.add.at(flat, positions, g.reshape(-1))
    view[...] = flat.reshape(view_shape)
    return dx


def _entry(entry):
    """One index entry as NumPy takes it: tensors and lists become arrays, 0-d ints become ints."""
    if isinstance(entry, Tensor):
        entry = entry.data
    elif isinstance(entry, list):
        entry = np.asarray(entry)
        if entry.size == 0 and entry.dtype.kind == "f":
            entry = entry.astype(np.intp)  # x[[]] selects nothing, as in NumPy
    if isinstance(entry, np.ndarray):
        if entry.dtype.kind not in "iub":
            raise DTypeError(
                f"getitem: index arrays must hold integers or booleans; received an array of "
                f"dtype {entry.dtype} (shape {entry.shape}). Convert it with .astype('int64')."
            )
        if entry.ndim == 0 and entry.dtype.kind in "iu":
            return int(entry)
    elif isinstance(entry, np.integer):
        return int(entry)
    return entry


def _describe(index: tuple) -> str:
    parts = [
        f"array(shape={e.shape}, dtype={e.dtype})" if isinstance(e, np.ndarray) else repr(e)
        for e in index
    ]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def getitem(x: Tensor, index) -> Tensor:
    """``x[index]`` with NumPy's indexing rules; what ``Tensor.__getitem__`` calls.

    Integer arrays may be lists, ndarrays or integer tensors; masks may be boolean arrays or
    tensors. See ``GetItem`` for the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> x = sd.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> x[0, ::-1]
    tensor([2., 1.])
    >>> x[[1, 1]]
    tensor([[3., 4.],
            [3., 4.]])
    >>> x[x > 2.0]
    tensor([3., 4.])
    """
    x = constant(x)
    index = tuple(_entry(e) for e in index) if isinstance(index, tuple) else (_entry(index),)
    try:
        return GetItem.apply(x, index=index)
    except IndexError as error:
        raise IndexError(
            f"getitem: {str(error).rstrip(' .')}. Received a tensor of shape {x.shape} and index "
            f"{_describe(index)}."
        ) from None

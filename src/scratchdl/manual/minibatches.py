"""Mini-batches by hand: shuffle the columns (examples), then cut them into consecutive slices."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

__all__ = ["random_mini_batches"]


def random_mini_batches(
    X: NDArray, Y: NDArray, mini_batch_size: int = 64, seed=None
) -> list[tuple[NDArray, NDArray]]:
    """Split (X, Y) into shuffled mini-batches of mini_batch_size columns each.

    1. Shuffle: one random permutation of the m columns, applied to X and Y alike, so each
       example keeps its label.
    2. Partition: columns [k*size, (k+1)*size) form batch k. When size does not divide m, the
       last batch keeps the m - size * floor(m / size) leftover columns (it is smaller, not
       dropped), so every example is used exactly once per epoch.

    X has shape (n_x, m), Y shape (n_y, m). ``seed`` is an int, a ``np.random.Generator`` or
    None. Returns a list of (mini_batch_X, mini_batch_Y).

    Examples
    --------
    >>> batches = random_mini_batches(np.zeros((2, 10)), np.zeros((1, 10)), 4, seed=0)
    >>> [bx.shape[1] for bx, by in batches]
    [4, 4, 2]
    """
    if X.ndim != 2 or Y.ndim != 2 or X.shape[1] != Y.shape[1]:
        raise ValueError(
            "random_mini_batches: X (n_x, m) and Y (n_y, m) must have the same number m of "
            f"columns, one per example; received X {X.shape} and Y {Y.shape}."
        )
    if not isinstance(mini_batch_size, (int, np.integer)) or mini_batch_size < 1:
        raise ValueError(
            "random_mini_batches: mini_batch_size must be a positive integer; "
            f"received mini_batch_size={mini_batch_size!r}."
        )
    rng = np.random.default_rng(seed)
    m = X.shape[1]
    permutation = rng.permutation(m)
    shuffled_X, shuffled_Y = X[:, permutation], Y[:, permutation]
    return [
        (shuffled_X[:, k : k + mini_batch_size], shuffled_Y[:, k : k + mini_batch_size])
        for k in range(0, m, mini_batch_size)
    ]

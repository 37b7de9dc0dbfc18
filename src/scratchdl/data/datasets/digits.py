"""scikit-learn's bundled digits: 1,797 handwritten digits of 8x8 pixels, no download needed.

The set ships inside scikit-learn (the ``data`` extra), so it is the real-image set every test,
recipe and tutorial can count on offline. Pixels are integers 0..16 (counts of "on" cells of a
4x4 block in the original 32x32 bitmaps).
"""

from __future__ import annotations

import numpy as np

from scratchdl.data.dataset import TensorDataset

__all__ = ["load_digits", "stratified_split"]


def stratified_split(
    labels: np.ndarray, test_fraction: float, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Indices of a deterministic stratified train/test split.

    Within each class, the samples are shuffled by ``np.random.default_rng(seed)`` and the first
    ``round(test_fraction * n_class)`` go to the test set, so every class keeps its share in both
    parts. Returns ``(train_indices, test_indices)``, each sorted.

    Examples
    --------
    >>> train, test = stratified_split(np.array([0, 0, 0, 0, 1, 1, 1, 1]), 0.25, seed=0)
    >>> len(train), len(test)
    (6, 2)
    """
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == c))
        n_test = int(round(test_fraction * len(members)))
        test.append(members[:n_test])
        train.append(members[n_test:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(test))


def load_digits(
    split: str = "train",
    test_fraction: float = 0.2,
    seed: int = 0,
    flatten: bool = True,
    normalize: bool = True,
) -> TensorDataset:
    """The scikit-learn digits (ten classes, 8x8 pixels) as a ``TensorDataset(x, y)``.

    Parameters
    ----------
    split : {"train", "test", "all"}
        Which part of a stratified split to return; "all" returns the 1,797 samples in their
        original order.
    test_fraction : float
        Share of each class held out for the test set, in (0, 1).
    seed : int
        Seed of the split. The same seed and fraction always give the same split, and "train"
        and "test" never share a sample.
    flatten : bool
        x of shape (N, 64) when True, (N, 1, 8, 8) (channels first, for a CNN) when False.
    normalize : bool
        Scale pixels from 0..16 to [0, 1].

    Returns
    -------
    TensorDataset
        x float32, y int64 class indices 0..9.

    Examples
    --------
    >>> train = load_digits("train")
    >>> test = load_digits("test")
    >>> len(train), len(test)
    (1438, 359)
    >>> x, y = train[0]
    >>> x.shape, x.dtype, y.dtype
    ((64,), dtype('float32'), dtype('int64'))
    """
    if split not in ("train", "test", "all"):
        raise ValueError(
            f"load_digits: split must be 'train', 'test' or 'all'. Received: split={split!r}"
        )
    if not 0 < test_fraction < 1:
        raise ValueError(
            f"load_digits: test_fraction must lie strictly between 0 and 1. "
            f"Received: test_fraction={test_fraction!r}"
        )
    try:
        from sklearn.datasets import load_digits as _sklearn_load_digits
    except ImportError as e:
        raise ImportError(
            "load_digits needs scikit-learn, which ships the digits. Install the data extra: "
            "pip install 'scratchdl[data]' (or pip install scikit-learn)."
        ) from e
    bunch = _sklearn_load_digits()
    x = bunch.images.astype(np.float32)  # (N, 8, 8), values 0..16
    y = bunch.target.astype(np.int64)  # (N,)
    if normalize:
        x /= 16
    x = x.reshape(len(x), 64) if flatten else x[:, None]  # (N, 64) or (N, 1, 8, 8)
    if split != "all":
        train_idx, test_idx = stratified_split(y, test_fraction, seed)
        idx = train_idx if split == "train" else test_idx
        x, y = x[idx], y[idx]
    return TensorDataset(x, y)

"""Datasets: something with a length that returns one sample per index.

A ``Dataset`` is the smallest contract a training loop needs: ``len(dataset)`` samples, and
``dataset[i]`` gives sample ``i`` (usually a tuple ``(x, y)``). The ``DataLoader`` turns a dataset
into mini-batches.

``TensorDataset`` is the common case: a few arrays that share their first axis (features and
labels). Because the whole dataset sits in arrays, a mini-batch is *one* fancy index per array
(``x[idx]``), never a Python loop over samples; the loader uses that fast path.

``Subset`` views part of a dataset through a list of indices; ``random_split`` cuts a dataset into
disjoint random subsets (train / validation / test), with PyTorch's rules for the lengths.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from scratchdl import backend
from scratchdl.errors import ShapeError
from scratchdl.tensor import Tensor

__all__ = ["Dataset", "Subset", "TensorDataset", "TransformDataset", "random_split"]


class Dataset:
    """Base class of map-style datasets: subclasses define ``__getitem__`` and ``__len__``.

    ``__getitem__(i)`` returns sample ``i`` for ``0 <= i < len(self)``: an array, a number, or a
    tuple of them (``(image, label)``). Any such object works with ``DataLoader``; the default
    collate stacks each field of the samples into one batch array.

    Examples
    --------
    >>> import numpy as np
    >>> class Squares(Dataset):
    ...     def __len__(self):
    ...         return 4
    ...     def __getitem__(self, i):
    ...         return np.float32(i), np.float32(i * i)
    >>> len(Squares()), Squares()[3]
    (4, (np.float32(3.0), np.float32(9.0)))
    """

    def __getitem__(self, index) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__}: a Dataset subclass must define __getitem__(self, index) "
            "returning one sample."
        )

    def __len__(self) -> int:
        raise NotImplementedError(
            f"{type(self).__name__}: a Dataset subclass must define __len__(self) returning the "
            "number of samples."
        )


def _as_array(data: Any, position: int) -> np.ndarray:
    """A Tensor's array (shared), an ndarray as is, other data as ``sd.tensor`` would convert it."""
    if isinstance(data, Tensor):
        array = data.data
    elif isinstance(data, np.ndarray):
        array = data
    else:
        array = np.asarray(data)
        if array.dtype.kind == "f":  # Python floats take the default dtype, as in sd.tensor
            array = array.astype(backend.get_default_dtype())
    if array.ndim == 0:
        raise ShapeError(
            f"TensorDataset: array {position} is 0-d (a single number); every array needs a first "
            "axis that indexes the samples, e.g. shape (N,) or (N, D)."
        )
    return array


class TensorDataset(Dataset):
    """Samples taken along the first axis of a few arrays: sample ``i`` is ``(a[i], b[i], ...)``.

    Parameters
    ----------
    *arrays : Tensor or ndarray
        All with the same length N along their first axis (for example features of shape (N, D)
        and labels of shape (N,)). They are kept, not copied: a Tensor contributes its ``data``
        array, an ndarray is stored as it is. Dtypes are kept too; see ``DataLoader`` on float64.

    Attributes
    ----------
    arrays : tuple of ndarray
        The stored arrays, in the order given.

    Notes
    -----
    ``dataset[index]`` returns a tuple with one entry per array. ``index`` may be an int, a slice,
    or an integer array; with an index array each entry is a batch ``a[index]``, which is how the
    ``DataLoader`` makes a mini-batch with one fancy index per array.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(12, dtype=np.float32).reshape(6, 2)
    >>> y = np.array([0, 1, 0, 1, 0, 1])
    >>> ds = TensorDataset(x, y)
    >>> len(ds)
    6
    >>> ds[1]
    (array([2., 3.], dtype=float32), np.int64(1))
    >>> [a.shape for a in ds[np.array([0, 2, 4])]]
    [(3, 2), (3,)]
    """

    def __init__(self, *arrays) -> None:
        if not arrays:
            raise ValueError(
                "TensorDataset: expected at least one array, e.g. TensorDataset(x, y); received "
                "none."
            )
        self.arrays: tuple[np.ndarray, ...] = tuple(
            _as_array(a, position) for position, a in enumerate(arrays)
        )
        lengths = [a.shape[0] for a in self.arrays]
        if len(set(lengths)) > 1:
            shapes = ", ".join(str(a.shape) for a in self.arrays)
            raise ShapeError(
                f"TensorDataset: every array needs the same length along its first axis (one row "
                f"per sample); received lengths {lengths} (shapes {shapes}). Check that features "
                "and labels come from the same split."
            )

    def __getitem__(self, index) -> tuple:
        return tuple(a[index] for a in self.arrays)

    def __len__(self) -> int:
        return self.arrays[0].shape[0]

    def __repr__(self) -> str:
        fields = ", ".join(f"{a.dtype}{list(a.shape)}" for a in self.arrays)
        return f"TensorDataset({fields})"


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in order: ``subset[i] = dataset[indices[i]]``.

    Parameters
    ----------
    dataset : Dataset
    indices : sequence of int
        Positions in ``dataset``, each in ``[0, len(dataset))``.

    Examples
    --------
    >>> import numpy as np
    >>> ds = TensorDataset(np.arange(10))
    >>> part = Subset(ds, [7, 2, 5])
    >>> len(part), part[0]
    (3, (np.int64(7),))
    """

    def __init__(self, dataset, indices: Sequence[int] | np.ndarray) -> None:
        indices = np.asarray(indices)
        if indices.size == 0:
            indices = indices.astype(np.int64)
        if indices.ndim != 1 or indices.dtype.kind not in "iu":
            raise ValueError(
                f"Subset: expected a 1-D sequence of integer indices; received an array of shape "
                f"{indices.shape} and dtype {indices.dtype}."
            )
        n = len(dataset)
        if indices.size and (indices.min() < 0 or indices.max() >= n):
            bad = indices[(indices < 0) | (indices >= n)][0]
            raise IndexError(
                f"Subset: index {int(bad)} is out of range for a dataset of {n} samples; "
                f"indices must lie in [0, {n})."
            )
        self.dataset = dataset
        self.indices: np.ndarray = indices.astype(np.int64, copy=False)

    def __getitem__(self, index) -> Any:
        if isinstance(index, (int, np.integer)):
            return self.dataset[int(self.indices[index])]
        return self.dataset[self.indices[index]]

    def __len__(self) -> int:
        return len(self.indices)

    def __repr__(self) -> str:
        return f"Subset({len(self)} of {len(self.dataset)} samples of {self.dataset!r})"


def _split_lengths(lengths: Sequence[float], n: int) -> list[int]:
    """Turn ``lengths`` (counts summing to ``n``, or fractions summing to 1) into counts."""
    lengths = list(lengths)
    if not lengths:
        raise ValueError("random_split: expected at least one length; received lengths=[].")
    for value in lengths:
        if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise TypeError(
                f"random_split: lengths must be ints or fractions; received {value!r} in "
                f"lengths={lengths!r}."
            )
    if all(isinstance(v, (int, np.integer)) for v in lengths):
        if any(v < 0 for v in lengths) or sum(lengths) != n:
            raise ValueError(
                f"random_split: integer lengths must be non-negative and sum to the dataset's "
                f"length {n}; received lengths={lengths!r} (sum {sum(lengths)})."
            )
        return [int(v) for v in lengths]
    if any(not 0 <= v <= 1 for v in lengths) or not math.isclose(sum(lengths), 1, abs_tol=1e-9):
        raise ValueError(
            f"random_split: fractions must each lie in [0, 1] and sum to 1; received "
            f"lengths={lengths!r} (sum {sum(lengths)}). For counts, pass integers that sum to "
            f"the dataset's length {n}."
        )
    # PyTorch's rule: floor each share, then hand the leftover samples out one by one, round-robin
    # from the first subset.
    counts = [math.floor(n * fraction) for fraction in lengths]
    for i in range(n - sum(counts)):
        counts[i % len(counts)] += 1
    for i, count in enumerate(counts):
        if count == 0:
            warnings.warn(
                f"random_split: subset {i} has length 0 (fraction {lengths[i]} of {n} samples).",
                UserWarning,
                stacklevel=3,
            )
    return counts


def random_split(
    dataset, lengths: Sequence[float], generator: np.random.Generator | None = None
) -> list[Subset]:
    """Split ``dataset`` into disjoint random subsets of the given lengths.

    Parameters
    ----------
    dataset : Dataset
    lengths : sequence of int or float
        Either counts that sum to ``len(dataset)``, or fractions that sum to 1. Fractions are
        turned into counts as PyTorch does: ``floor(fraction * N)`` each, then the samples left
        over go one at a time to the subsets in order, starting with the first.
    generator : numpy.random.Generator, optional
        Draws the permutation. Default: the global generator, so ``sd.manual_seed`` makes the
        split reproducible.

    Returns
    -------
    list of Subset
        Together they hold every sample exactly once.

    Examples
    --------
    >>> import numpy as np
    >>> ds = TensorDataset(np.arange(10))
    >>> train, val = random_split(ds, [0.8, 0.2], generator=np.random.default_rng(0))
    >>> len(train), len(val)
    (8, 2)
    >>> sorted(np.concatenate([train.indices, val.indices]).tolist()) == list(range(10))
    True
    """
    n = len(dataset)
    counts = _split_lengths(lengths, n)
    rng = generator if generator is not None else backend.default_generator()
    order = rng.permutation(n)
    bounds = np.cumsum([0, *counts])
    return [Subset(dataset, order[start:stop]) for start, stop in zip(bounds[:-1], bounds[1:])]


def indexes_whole_batches(dataset: Any) -> bool:
    """True when ``dataset[index_array]`` returns the whole batch at once: a TensorDataset (or
    a subclass that keeps its indexing), seen through any Subsets and TransformDatasets."""
    while isinstance(dataset, (Subset, TransformDataset)):
        dataset = dataset.dataset
    return isinstance(dataset, TensorDataset) and (
        type(dataset).__getitem__ is TensorDataset.__getitem__
    )


class TransformDataset(Dataset):
    """A dataset whose samples pass through ``transform`` (inputs) and ``target_transform``.

    For samples ``(x, y, ...)`` the result is ``(transform(x), target_transform(y), ...)``; a
    sample that is a single array becomes ``transform(sample)``. A new random draw happens on
    every access, so each epoch sees new crops and flips.

    Indexing with an int gives one transformed sample. Indexing with an integer array (when the
    wrapped dataset is array-backed: a ``TensorDataset``, a dataset such as ``MNIST`` or
    ``CIFAR10`` built on it, or a ``Subset`` of one) gives a whole batch ``(N, C, H, W)``,
    transformed in one vectorised call with one draw per image; ``supports_batch_indexing``
    says whether that path is available.

    Parameters
    ----------
    dataset : Dataset
        Samples to transform; kept, not copied.
    transform : callable, optional
        Applied to the first field (the image). None leaves it as is.
    target_transform : callable, optional
        Applied to the second field (the label). None leaves it as is.

    Examples
    --------
    >>> import numpy as np
    >>> from scratchdl.data import DataLoader, RandomCrop, TensorDataset
    >>> images = np.zeros((10, 3, 8, 8), dtype=np.float32)
    >>> train = TransformDataset(TensorDataset(images, np.arange(10)), RandomCrop(8, padding=2))
    >>> x, y = train[np.arange(4)]
    >>> x.shape, y.tolist()
    ((4, 3, 8, 8), [0, 1, 2, 3])
    >>> [tuple(x.shape) for x, y in DataLoader(train, batch_size=4)]
    [(4, 3, 8, 8), (4, 3, 8, 8), (2, 3, 8, 8)]
    """

    def __init__(
        self,
        dataset: Any,
        transform: Callable[[Any], Any] | None = None,
        target_transform: Callable[[Any], Any] | None = None,
    ) -> None:
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(
                f"TransformDataset: the dataset needs __len__ and __getitem__ (a map-style "
                f"Dataset); received an object of type {type(dataset).__name__}."
            )
        for name, function in (("transform", transform), ("target_transform", target_transform)):
            if function is not None and not callable(function):
                raise TypeError(
                    f"TransformDataset: {name} must be callable or None; received {function!r}."
                )
        self.dataset = dataset
        self.transform = transform
        self.target_transform = target_transform

    @property
    def supports_batch_indexing(self) -> bool:
        """Whether ``self[index_array]`` returns a whole transformed batch in one call."""
        return indexes_whole_batches(self.dataset)

    def __getitem__(self, index: Any) -> Any:
        sample = self.dataset[index]
        if not isinstance(sample, (tuple, list)):
            return self.transform(sample) if self.transform is not None else sample
        fields = list(sample)
        if self.transform is not None and fields:
            fields[0] = self.transform(fields[0])
        if self.target_transform is not None and len(fields) > 1:
            fields[1] = self.target_transform(fields[1])
        return tuple(fields)

    def __len__(self) -> int:
        return len(self.dataset)

    def __repr__(self) -> str:
        return (
            f"TransformDataset({self.dataset!r}, transform={self.transform!r}, "
            f"target_transform={self.target_transform!r})"
        )

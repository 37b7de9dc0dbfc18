"""DataLoader: turn a dataset into mini-batches of Tensors, optionally shuffled each epoch.

One epoch is one pass of ``for batch in loader``. Each ``iter(loader)`` starts a new epoch: it
draws a fresh order of the samples (when ``shuffle=True``) and returns a new iterator, so the same
loader serves every epoch.

Two ways to build a batch from the indices ``idx`` of its samples:

* **array-backed datasets** (``TensorDataset``, its subclasses such as ``CIFAR10`` that keep its
  indexing, and ``Subset`` views of one) are batched by one fancy index per array, ``x[idx]``:
  NumPy copies the rows in C, with no Python loop over samples;
* **datasets that index whole batches** (``supports_batch_indexing`` is true, as for a
  ``TransformDataset`` over array-backed data) get ``dataset[idx]`` once per batch, so their
  transforms run vectorised over the batch;
* **any other dataset** is read sample by sample, ``[dataset[i] for i in idx]``, and the list is
  handed to ``collate_fn`` (by default ``default_collate``, which stacks each field).

Shuffling draws from the loader's own ``numpy.random.Generator``. Its state travels in
``state_dict()``, so a training run that saves it with a checkpoint and restores it on resume
shuffles the following epochs exactly as an uninterrupted run would.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from scratchdl import backend
from scratchdl.data.dataset import Subset, TensorDataset
from scratchdl.tensor import Tensor

__all__ = ["DataLoader", "default_collate"]


def _field_array(values: list) -> np.ndarray:
    """Stack one field of every sample into an array with the batch on axis 0."""
    if isinstance(values[0], Tensor):
        return np.stack([v.data for v in values])
    array = np.stack([np.asarray(v) for v in values])
    if array.dtype.kind == "f" and all(isinstance(v, float) for v in values):
        array = array.astype(backend.get_default_dtype())  # Python floats: the default dtype
    return array


def default_collate(samples: list) -> Any:
    """Stack a list of samples into one batch of Tensors.

    Each sample is a tuple (or list) of fields, a dict of fields, or a single array/number. Field
    ``k`` of every sample is stacked with ``np.stack`` into one array whose first axis is the
    batch, then wrapped in a Tensor. Arrays keep their dtype; Python floats take the default dtype
    (float32) and Python ints become int64.

    Returns a tuple of Tensors for tuple samples, a dict of Tensors for dict samples, and a single
    Tensor for array or number samples.

    Examples
    --------
    >>> import numpy as np
    >>> x, y = default_collate([(np.zeros(3, np.float32), 1), (np.ones(3, np.float32), 0)])
    >>> x.shape, x.dtype, y.tolist()
    ((2, 3), dtype('float32'), [1, 0])
    """
    if not samples:
        raise ValueError("default_collate: received an empty list of samples; nothing to stack.")
    first = samples[0]
    try:
        if isinstance(first, dict):
            return {
                key: Tensor._from_op(_field_array([s[key] for s in samples]), None) for key in first
            }
        if isinstance(first, (tuple, list)):
            return tuple(
                Tensor._from_op(_field_array(list(field)), None) for field in zip(*samples)
            )
        return Tensor._from_op(_field_array(samples), None)
    except (ValueError, KeyError) as error:
        raise ValueError(
            f"default_collate: could not stack the samples into a batch ({error}). Every sample "
            "must have the same structure and each field the same shape; pass collate_fn to "
            "DataLoader for samples of different sizes (for example to pad sequences)."
        ) from None


def _array_source(dataset) -> tuple[tuple[np.ndarray, ...], np.ndarray | None] | None:
    """The arrays behind an array-backed dataset, and the index map of the Subsets around it.

    Returns ``(arrays, index_map)``, where sample ``i`` of ``dataset`` is row ``index_map[i]`` of
    each array (``index_map`` is None for the identity), or None if the dataset is not
    array-backed.
    """
    index_map = None
    while isinstance(dataset, Subset):
        index_map = dataset.indices if index_map is None else dataset.indices[index_map]
        dataset = dataset.dataset
    # A subclass that overrides __getitem__ may change the samples: it takes the slow path.
    if (
        isinstance(dataset, TensorDataset)
        and type(dataset).__getitem__ is TensorDataset.__getitem__
    ):
        return dataset.arrays, index_map
    return None


def _as_tensor(field: Any) -> Tensor:
    return field if isinstance(field, Tensor) else Tensor._from_op(np.asarray(field), None)


def _check_positive_int(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(
            f"DataLoader: {name} must be a positive integer; received {name}={value!r}."
        )
    return int(value)


def _jsonable(value: Any) -> Any:
    """A bit generator's state with its arrays (MT19937 keeps one) turned into lists."""
    if isinstance(value, dict):
        return {key: _jsonable(v) for key, v in value.items()}
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.integer):
        return int(value)
    return value


class DataLoader:
    """Iterate over a dataset in mini-batches of Tensors.

    Parameters
    ----------
    dataset : Dataset
        Anything with ``__len__`` and ``__getitem__``.
    batch_size : int
        Samples per batch. The last batch is smaller when ``batch_size`` does not divide the
        dataset's length, unless ``drop_last``.
    shuffle : bool
        Visit the samples in a new random order every epoch.
    drop_last : bool
        Skip the last, incomplete batch.
    collate_fn : callable, optional
        Turns a list of samples into a batch. Default: ``default_collate`` (stack each field).
        Given a ``collate_fn``, array-backed datasets go through it too, sample by sample.
    generator : numpy.random.Generator or int, optional
        The source of the shuffling order (an int seeds a new generator). Default: a generator
        seeded from the global one when the loader is made (only if ``shuffle``), so
        ``sd.manual_seed(s)`` before building the loader makes the order reproducible.

    Notes
    -----
    Batches are tuples of Tensors, one per field (``for x, y in loader``), built without any
    dtype conversion: float32 stays float32, integer labels stay int64, and **float64 arrays stay
    float64**. Mixing float64 batches with a float32 model is the user's choice to make, so cast
    the data once, up front, with ``x.astype(np.float32)`` if that is not what you want.

    ``len(loader)`` is the number of batches per epoch. ``state_dict()`` captures the shuffling
    generator between epochs; ``load_state_dict`` restores it so the next epoch's order is the
    one the saved run would have drawn.

    Examples
    --------
    >>> import numpy as np
    >>> from scratchdl.data import TensorDataset
    >>> ds = TensorDataset(np.arange(10, dtype=np.float32).reshape(5, 2), np.arange(5))
    >>> loader = DataLoader(ds, batch_size=2)
    >>> len(loader)
    3
    >>> [(x.shape, y.tolist()) for x, y in loader]
    [((2, 2), [0, 1]), ((2, 2), [2, 3]), ((1, 2), [4])]
    >>> shuffled = DataLoader(ds, batch_size=5, shuffle=True, generator=0)
    >>> sorted(next(iter(shuffled))[1].tolist())
    [0, 1, 2, 3, 4]
    """

    def __init__(
        self,
        dataset,
        batch_size: int = 1,
        shuffle: bool = False,
        drop_last: bool = False,
        collate_fn: Callable[[list], Any] | None = None,
        generator: np.random.Generator | int | None = None,
    ) -> None:
        if not (hasattr(dataset, "__len__") and hasattr(dataset, "__getitem__")):
            raise TypeError(
                f"DataLoader: the dataset needs __len__ and __getitem__ (a map-style Dataset); "
                f"received an object of type {type(dataset).__name__}. Wrap arrays in "
                "TensorDataset(x, y)."
            )
        if collate_fn is not None and not callable(collate_fn):
            raise TypeError(
                f"DataLoader: collate_fn must be callable (a list of samples -> a batch); "
                f"received {collate_fn!r}."
            )
        if isinstance(generator, (int, np.integer)) and not isinstance(generator, bool):
            generator = np.random.default_rng(int(generator))
        elif generator is not None and not isinstance(generator, np.random.Generator):
            raise TypeError(
                f"DataLoader: generator must be a numpy.random.Generator or an int seed; received "
                f"{type(generator).__name__}. Make one with np.random.default_rng(seed)."
            )
        self.dataset = dataset
        self.batch_size = _check_positive_int("batch_size", batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.collate_fn = collate_fn
        if generator is None and self.shuffle:
            # A child of the global generator: seeded by sd.manual_seed, yet its own stream, so
            # drawing the order does not shift dropout masks or initialisations.
            seed = int(backend.default_generator().integers(2**63))
            generator = np.random.default_rng(seed)
        self.generator: np.random.Generator | None = generator

    def __len__(self) -> int:
        n = len(self.dataset)
        if self.drop_last:
            return n // self.batch_size
        return math.ceil(n / self.batch_size)

    def __iter__(self) -> Iterator:
        """Start an epoch: draw the order now and return a new iterator over its batches."""
        return _DataLoaderIterator(self)

    def _order(self) -> np.ndarray:
        n = len(self.dataset)
        if self.shuffle:
            return self.generator.permutation(n)
        return np.arange(n)

    # ------------------------------------------------------------------ saving and resuming
    def state_dict(self) -> dict:
        """The shuffling generator's state, as plain JSON-able data (dicts, strings, ints).

        Save it between epochs (after one ends, before the next ``iter(loader)``): the next
        epoch's order is drawn from exactly this state.
        """
        state = None
        if self.generator is not None:
            state = _jsonable(copy.deepcopy(self.generator.bit_generator.state))
        return {"generator": state}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore the shuffling generator saved by ``state_dict()`` (in place)."""
        if not isinstance(state_dict, dict) or "generator" not in state_dict:
            raise ValueError(
                f"DataLoader.load_state_dict: expected the dict made by DataLoader.state_dict(), "
                f"with the key 'generator'; received {state_dict!r}."
            )
        state = state_dict["generator"]
        if state is None:
            if self.shuffle:
                raise ValueError(
                    "DataLoader.load_state_dict: the saved state has no generator (it came from a "
                    "loader with shuffle=False), but this loader shuffles."
                )
            return
        if self.generator is None:
            self.generator = np.random.default_rng()
        expected = type(self.generator.bit_generator).__name__
        if not isinstance(state, dict) or state.get("bit_generator") != expected:
            found = state.get("bit_generator") if isinstance(state, dict) else state
            raise ValueError(
                f"DataLoader.load_state_dict: the saved generator is {found!r} but this loader's "
                f"is {expected!r}; make the loader with the same kind of generator."
            )
        self.generator.bit_generator.state = copy.deepcopy(state)

    def __repr__(self) -> str:
        return (
            f"DataLoader({type(self.dataset).__name__} of {len(self.dataset)} samples, "
            f"batch_size={self.batch_size}, shuffle={self.shuffle}, drop_last={self.drop_last})"
        )


class _DataLoaderIterator:
    """One epoch over a DataLoader: the sample order is fixed when the iterator is made."""

    def __init__(self, loader: DataLoader) -> None:
        self.loader = loader
        self.order = loader._order()
        self.num_batches = len(loader)
        self.position = 0  # batches yielded so far
        source = None if loader.collate_fn is not None else _array_source(loader.dataset)
        if source is not None:
            arrays, index_map = source
            self.arrays = arrays
            if index_map is not None:
                self.order = index_map[self.order]  # subset positions -> rows of the arrays
        else:
            self.arrays = None
        self.batch_indexing = loader.collate_fn is None and bool(
            getattr(loader.dataset, "supports_batch_indexing", False)
        )

    def __iter__(self) -> _DataLoaderIterator:
        return self

    def __len__(self) -> int:
        return self.num_batches - self.position

    def __next__(self) -> Any:
        if self.position >= self.num_batches:
            raise StopIteration
        size = self.loader.batch_size
        idx = self.order[self.position * size : (self.position + 1) * size]
        self.position += 1
        if self.arrays is not None:
            # One fancy index per array: rows idx of x, rows idx of y, ... (a fresh copy each).
            return tuple(Tensor._from_op(a[idx], None) for a in self.arrays)
        dataset = self.loader.dataset
        if self.batch_indexing:
            batch = dataset[idx]
            if isinstance(batch, (tuple, list)):
                return tuple(_as_tensor(field) for field in batch)
            return _as_tensor(batch)
        samples = [dataset[int(i)] for i in idx]
        collate = self.loader.collate_fn or default_collate
        return collate(samples)

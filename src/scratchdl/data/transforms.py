"""Standardization: rescale each feature to mean 0 and standard deviation 1.

Gradient descent converges faster when the features share a scale: with one feature in metres and
another in millimetres, the loss surface is a long narrow valley. Standardizing maps each feature
``x_j`` to ``z_j = (x_j - mean_j) / std_j``.

The statistics come from the **training set only** (``fit``) and are then applied, unchanged, to
the validation and test sets (``transform``); computing them on all the data would leak
information from the test set into training.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scratchdl import backend
from scratchdl.errors import ShapeError
from scratchdl.tensor import Tensor

__all__ = ["Standardizer", "standardize"]


def _unwrap(x: Any, op: str) -> tuple[np.ndarray, bool]:
    """The array inside ``x`` (floats keep their dtype, integers become the default float)."""
    is_tensor = isinstance(x, Tensor)
    array = x.data if is_tensor else np.asarray(x)
    if array.dtype.kind not in "fiub":
        raise TypeError(f"Standardizer.{op}: expected numbers; received dtype {array.dtype}.")
    if array.dtype.kind != "f":
        array = array.astype(backend.get_default_dtype())
    if array.ndim == 0:
        raise ShapeError(
            f"Standardizer.{op}: expected samples along the first axis, shape (N, D) or (N,); "
            "received a 0-d value."
        )
    return array, is_tensor


class Standardizer:
    """Per-feature standardization: ``z = (x - mean) / std``, with statistics from ``fit``.

    Samples lie along axis 0; every other position (a column of an (N, D) table, a pixel of an
    (N, C, H, W) image batch) is a feature with its own mean and standard deviation. The standard
    deviation is the population one (``ddof=0``), as in scikit-learn's ``StandardScaler``. A
    feature that is constant in the training set has ``std = 0``; it is centred but not scaled
    (its ``scale`` is 1), so no division by zero occurs.

    Results have the input's type (Tensor in, Tensor out; array in, array out) and its floating
    dtype; integer inputs become the default float dtype. The statistics are computed in float64.

    Attributes
    ----------
    mean : ndarray (float64), the per-feature mean, shape ``x.shape[1:]``
    std : ndarray (float64), the per-feature standard deviation
    scale : ndarray (float64), ``std`` with zeros replaced by 1: the divisor actually used

    Examples
    --------
    >>> import numpy as np
    >>> train = np.array([[1.0, 10.0], [3.0, 10.0]], dtype=np.float32)
    >>> scaler = Standardizer().fit(train)
    >>> scaler.mean, scaler.std
    (array([ 2., 10.]), array([1., 0.]))
    >>> scaler.transform(train)
    array([[-1.,  0.],
           [ 1.,  0.]], dtype=float32)
    >>> scaler.inverse_transform(scaler.transform(train))
    array([[ 1., 10.],
           [ 3., 10.]], dtype=float32)
    """

    def __init__(self) -> None:
        self.mean: np.ndarray | None = None
        self.std: np.ndarray | None = None
        self.scale: np.ndarray | None = None

    def fit(self, x) -> Standardizer:
        """Compute the per-feature mean and standard deviation of ``x`` (the training set)."""
        array, _ = _unwrap(x, "fit")
        if array.shape[0] == 0:
            raise ValueError(
                f"Standardizer.fit: received an empty training set (shape {array.shape}); the "
                "statistics need at least one sample."
            )
        self.mean = array.mean(axis=0, dtype=np.float64)
        self.std = array.std(axis=0, dtype=np.float64)
        self.scale = np.where(self.std > 0, self.std, 1.0)
        return self

    def _checked(self, x, op: str) -> tuple[np.ndarray, bool]:
        if self.mean is None:
            raise RuntimeError(
                f"Standardizer.{op}: the statistics are not computed yet; call fit(x_train) "
                "first (or fit_transform)."
            )
        array, is_tensor = _unwrap(x, op)
        if array.shape[1:] != self.mean.shape:
            raise ShapeError(
                f"Standardizer.{op}: fitted on samples of shape {self.mean.shape} (features per "
                f"sample), but received input of shape {array.shape}, i.e. samples of shape "
                f"{array.shape[1:]}. Transform data with the same features as the training set."
            )
        return array, is_tensor

    @staticmethod
    def _wrap(result: np.ndarray, dtype: np.dtype, is_tensor: bool):
        result = result.astype(dtype, copy=False)
        return Tensor._from_op(result, None) if is_tensor else result

    def transform(self, x):
        """``(x - mean) / scale`` with the fitted statistics."""
        array, is_tensor = self._checked(x, "transform")
        return self._wrap((array - self.mean) / self.scale, array.dtype, is_tensor)

    def inverse_transform(self, z):
        """Undo ``transform``: ``z * scale + mean``."""
        array, is_tensor = self._checked(z, "inverse_transform")
        return self._wrap(array * self.scale + self.mean, array.dtype, is_tensor)

    def fit_transform(self, x):
        """``fit(x)`` then ``transform(x)``."""
        return self.fit(x).transform(x)

    def state_dict(self) -> dict:
        """The fitted statistics (for saving with a checkpoint)."""
        return {"mean": self.mean, "std": self.std}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore statistics saved by ``state_dict()``."""
        if state_dict["mean"] is None:  # saved before fit
            self.mean = self.std = self.scale = None
            return
        self.mean = np.asarray(state_dict["mean"], dtype=np.float64)
        self.std = np.asarray(state_dict["std"], dtype=np.float64)
        self.scale = np.where(self.std > 0, self.std, 1.0)

    def __repr__(self) -> str:
        fitted = "not fitted" if self.mean is None else f"{self.mean.size} features"
        return f"Standardizer({fitted})"


def standardize(x):
    """Standardize ``x`` with its own per-feature mean and std (``Standardizer().fit_transform``).

    Handy for a quick look; for a train/test split use a ``Standardizer`` fitted on the training
    set, so the test set is scaled with the same statistics.

    Examples
    --------
    >>> import numpy as np
    >>> standardize(np.array([[0.0], [2.0], [4.0]]))
    array([[-1.22474487],
           [ 0.        ],
           [ 1.22474487]])
    """
    return Standardizer().fit_transform(x)

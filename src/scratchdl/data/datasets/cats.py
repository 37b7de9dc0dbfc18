"""The classic course's "cat vs non-cat" images: 64x64 colour pictures labelled cat (1) or not (0).

The set comes as two HDF5 files, ``train_catvnoncat.h5`` (209 images) and ``test_catvnoncat.h5``
(50 images), each with three datasets:

    train_set_x / test_set_x    uint8 (N, 64, 64, 3), pixels 0..255, channels last
    train_set_y / test_set_y    int (N,), 1 = cat, 0 = non-cat
    list_classes                bytes [b"non-cat", b"cat"]

They have no canonical public address (they are handed out with the course's exercises), so there
is no ``download=True``: the loader looks in ``<root>/catvnoncat``, ``<root>/datasets`` (the
course's own layout) and ``<root>`` itself.
"""

from __future__ import annotations

import os

import numpy as np

from scratchdl.data.dataset import TensorDataset
from scratchdl.data.download import DataFormatError, data_root, find_file, not_found_error

__all__ = ["load_cat_vs_noncat"]


def load_cat_vs_noncat(
    root: str | os.PathLike[str] | None = None, split: str = "train"
) -> TensorDataset:
    """Read the cat / non-cat HDF5 file of one split into a ``TensorDataset(x, y)``.

    Parameters
    ----------
    root : path, optional
        Data folder (see ``data_root``).
    split : {"train", "test"}
        Which file: ``train_catvnoncat.h5`` or ``test_catvnoncat.h5``.

    Returns
    -------
    TensorDataset
        x float32 in [0, 1] of shape (N, 64, 64, 3) (channels last, as stored), y float32 of
        shape (N, 1) (1.0 = cat), ready for a sigmoid output and binary cross-entropy. The class
        names are in ``dataset.classes``: ``("non-cat", "cat")``.
    """
    if split not in ("train", "test"):
        raise ValueError(
            f"load_cat_vs_noncat: split must be 'train' or 'test'. Received: split={split!r}"
        )
    try:
        import h5py
    except ImportError as e:
        raise ImportError(
            "load_cat_vs_noncat needs h5py to read HDF5 files. Install the data extra: "
            "pip install 'scratchdl[data]' (or pip install h5py)."
        ) from e
    base = data_root(root)
    folders = [base / "catvnoncat", base / "datasets", base]
    name = f"{split}_catvnoncat.h5"
    path = find_file([name], folders)
    if path is None:
        raise not_found_error("load_cat_vs_noncat", folders, [name], can_download=False)

    x_key, y_key = f"{split}_set_x", f"{split}_set_y"
    with h5py.File(path, "r") as f:
        missing = [key for key in (x_key, y_key) if key not in f]
        if missing:
            raise DataFormatError(
                f"load_cat_vs_noncat: {path} lacks the dataset(s) {missing}; it holds "
                f"{sorted(f.keys())}. Expected {x_key!r} and {y_key!r}."
            )
        images = np.asarray(f[x_key])
        labels = np.asarray(f[y_key])
        classes = ("non-cat", "cat")
        if "list_classes" in f:  # stored as bytes: [b"non-cat", b"cat"]
            names = np.asarray(f["list_classes"]).ravel()
            classes = tuple(c.decode() if isinstance(c, bytes) else str(c) for c in names)
    if images.ndim != 4 or images.shape[3] != 3:
        raise DataFormatError(
            f"load_cat_vs_noncat: {path}: {x_key!r} has shape {images.shape}; expected "
            "(N, height, width, 3) colour images."
        )
    if labels.size != len(images):
        raise DataFormatError(
            f"load_cat_vs_noncat: {path}: {len(images)} images but {labels.size} labels in "
            f"{y_key!r}; expected one label per image."
        )
    # uint8 (N, 64, 64, 3) -> float32 in [0, 1]; labels (N,) -> float32 (N, 1)
    x = np.divide(images, 255, dtype=np.float32)
    y = labels.reshape(-1, 1).astype(np.float32)
    dataset = TensorDataset(x, y)
    dataset.classes = classes
    return dataset

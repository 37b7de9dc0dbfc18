"""CIFAR-10 and CIFAR-100: 32x32 colour images, from the "python version" batches.

The python version of CIFAR is a tar.gz of pickle files, each a dict such as
``{b"data": uint8 array (N, 3072), b"labels": [int, ...], ...}``; a row of ``data`` holds the
1024 red, then 1024 green, then 1024 blue pixels of one image, row by row.

The batches are read with ``load_pickle`` from ``scratchdl.data._safe_pickle``, a restricted
unpickler that refuses anything but the few NumPy names an array needs (see its docstring).

Batches are read with ``encoding="bytes"`` (they were written by Python 2), and the loader then
checks that it got a dict with a uint8 ``data`` array and integer labels.

The archive (``cifar-10-python.tar.gz`` / ``cifar-100-python.tar.gz``) is extracted with a check
that every member is a plain file or folder landing inside the data folder: a tar member named
``../../.bashrc`` or a symbolic link would otherwise write outside it.
"""

from __future__ import annotations

import os
import tarfile
from pathlib import Path

import numpy as np

from scratchdl.data._safe_pickle import load_pickle
from scratchdl.data.dataset import TensorDataset
from scratchdl.data.download import (
    ChecksumError,
    DataFormatError,
    RemoteFile,
    data_root,
    fetch,
    not_found_error,
    sha256_file,
)

__all__ = ["CIFAR10", "CIFAR100", "safe_extract"]


def safe_extract(archive: str | os.PathLike[str], dest: str | os.PathLike[str]) -> None:
    """Extract a tar archive into ``dest``, refusing members that would land outside it.

    Only regular files and folders are allowed; an absolute name, a ``..`` that climbs out of
    ``dest``, a link or a device file raises ``ValueError`` before anything is written.
    """
    dest = Path(dest).resolve()
    with tarfile.open(archive, "r:*") as tar:
        members = tar.getmembers()
        for member in members:
            target = (dest / member.name).resolve()
            if not (member.isfile() or member.isdir()):
                raise ValueError(
                    f"safe_extract: {archive} holds {member.name!r}, which is not a plain file or "
                    "folder (a link or a device); refusing to extract the archive."
                )
            if os.path.isabs(member.name) or not target.is_relative_to(dest):
                raise ValueError(
                    f"safe_extract: {archive} holds {member.name!r}, which would be written "
                    f"outside {dest}; refusing to extract the archive."
                )
        if hasattr(tarfile, "data_filter"):  # Python >= 3.11.4: the standard library's check too
            tar.extractall(dest, members=members, filter="data")
        else:  # pragma: no cover
            tar.extractall(dest, members=members)


def _text(value) -> str:
    return value.decode("latin-1") if isinstance(value, bytes) else str(value)


def _read_batch(path: Path, label_key: str, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """One batch file -> images uint8 (N, 3, 32, 32) and labels int64 (N,), after checks."""
    batch = load_pickle(path)
    if not isinstance(batch, dict):
        raise DataFormatError(f"CIFAR: {path} holds a {type(batch).__name__}; expected a dict.")
    batch = {_text(k): v for k, v in batch.items()}  # b"data" -> "data"
    if "data" not in batch or label_key not in batch:
        raise DataFormatError(
            f"CIFAR: {path} has keys {sorted(batch)}; expected 'data' and {label_key!r}."
        )
    data = batch["data"]
    if not isinstance(data, np.ndarray) or data.dtype != np.uint8 or data.ndim != 2:
        raise DataFormatError(f"CIFAR: {path}: 'data' must be a uint8 array of shape (N, 3072).")
    if data.shape[1] != 3 * 32 * 32:
        raise DataFormatError(
            f"CIFAR: {path}: 'data' has shape {data.shape}; expected (N, 3072) (3x32x32 images)."
        )
    labels = np.asarray(batch[label_key])
    if labels.shape != (len(data),) or (labels.size and labels.dtype.kind not in "iu"):
        raise DataFormatError(
            f"CIFAR: {path}: {label_key!r} must be {len(data)} integers, one per image; "
            f"received shape {labels.shape} of {labels.dtype}."
        )
    labels = labels.astype(np.int64)
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise DataFormatError(
            f"CIFAR: {path}: labels range over {labels.min()}..{labels.max()}; expected "
            f"0..{n_classes - 1}."
        )
    return data.reshape(-1, 3, 32, 32), labels  # rows are R, G, B planes of 32x32


class CIFAR10(TensorDataset):
    """CIFAR-10: 50,000 training and 10,000 test colour images of 32x32 in ten classes.

    Parameters
    ----------
    root : path, optional
        Data folder (see ``data_root``). The batches are read from
        ``<root>/cifar-10-batches-py``; a ``cifar-10-python.tar.gz`` found in ``root`` is
        verified and extracted there.
    train : bool
        The training set (``data_batch_1`` .. ``data_batch_5``) or the test set (``test_batch``).
    download : bool
        Fetch the archive from ``url`` when missing, verifying its SHA-256, and extract it.
    progress : bool
        Show a download progress bar (only on a terminal).

    Items are ``(x, y)``: x float32 in [0, 1] of shape (3, 32, 32) (channels first), y int64.
    ``self.images`` (N, 3, 32, 32) and ``self.labels`` (N,) hold the whole set.
    """

    name = "CIFAR10"
    folder = "cifar-10-batches-py"
    archive = "cifar-10-python.tar.gz"
    # The address on Alex Krizhevsky's CIFAR page, https://www.cs.toronto.edu/~kriz/cifar.html
    url = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
    # SHA-256 of the archive (170,498,071 bytes; MD5 c58f30108f718f92721af3b95e74349a as on the
    # CIFAR page). Source: the file_hash in Keras' keras.datasets.cifar10.load_data, pinned
    # identically by several other public projects.
    sha256 = "6d958be074577803d12ecdefd02955f39262c83c16fe9348329d7fe0b5c001ce"
    label_key = "labels"
    n_classes = 10
    classes = (
        "airplane",
        "automobile",
        "bird",
        "cat",
        "deer",
        "dog",
        "frog",
        "horse",
        "ship",
        "truck",
    )

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        train: bool = True,
        download: bool = False,
        progress: bool = True,
    ) -> None:
        self.root = data_root(root)
        self.train = train
        folder = self.root / self.folder
        names = self._batch_names(train)
        if not all((folder / name).is_file() for name in names):
            self._extract_or_download(folder, names, download, progress)
        parts = [_read_batch(folder / name, self.label_key, self.n_classes) for name in names]
        images = np.concatenate([p[0] for p in parts])  # (N, 3, 32, 32) uint8
        # uint8 -> float32 in [0, 1]
        self.images = np.divide(images, 255, dtype=np.float32)
        self.labels = np.concatenate([p[1] for p in parts])
        super().__init__(self.images, self.labels)

    @staticmethod
    def _batch_names(train: bool) -> list[str]:
        return [f"data_batch_{i}" for i in range(1, 6)] if train else ["test_batch"]

    def _extract_or_download(
        self, folder: Path, names: list[str], download: bool, progress: bool
    ) -> None:
        archive = self.root / self.archive
        if not archive.is_file():
            if not download:
                raise not_found_error(
                    self.name,
                    [folder, self.root],
                    [f"{self.folder}/{n}" for n in names]
                    + [f"or the archive {self.archive} (extracted on first use)"],
                    can_download=True,
                )
            fetch(RemoteFile(self.archive, (self.url,), self.sha256), self.root, progress)
        else:
            actual = sha256_file(archive)
            if actual != self.sha256:
                raise ChecksumError(
                    f"{self.name}: {archive} has SHA-256 {actual}; expected {self.sha256}.\n"
                    "help: delete it and pass download=True, or extract it yourself into "
                    f"{folder} if you trust it."
                )
        safe_extract(archive, self.root)
        missing = [n for n in names if not (folder / n).is_file()]
        if missing:
            raise DataFormatError(
                f"{self.name}: {archive} was extracted but {folder} lacks {missing}; is it the "
                "python version of the dataset?"
            )

    def __repr__(self) -> str:
        split = "train" if self.train else "test"
        return f"{type(self).__name__}(split={split!r}, n={len(self.labels)}, root='{self.root}')"


class CIFAR100(CIFAR10):
    """CIFAR-100: CIFAR-10's format with 100 fine classes grouped into 20 coarse ones.

    Same parameters and items as ``CIFAR10``, plus ``label``: "fine" (100 classes) or "coarse"
    (20 superclasses). The files are ``<root>/cifar-100-python/train`` and ``test``.
    """

    name = "CIFAR100"
    folder = "cifar-100-python"
    archive = "cifar-100-python.tar.gz"
    url = "https://www.cs.toronto.edu/~kriz/cifar-100-python.tar.gz"
    # SHA-256 of the archive (169,001,437 bytes; MD5 eb9058c3a382ffc7106e4002c42a8d85 as on the
    # CIFAR page). Source: the file_hash in Keras' keras.datasets.cifar100.load_data and
    # torchvision's prototype datasets, pinned identically by several other public projects.
    sha256 = "85cd44d02ba6437773c5bbd22e183051d648de2e7d6b014e1ef29b855ba677a7"
    classes = None  # read from the "meta" file when present

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        train: bool = True,
        download: bool = False,
        label: str = "fine",
        progress: bool = True,
    ) -> None:
        if label not in ("fine", "coarse"):
            raise ValueError(
                f"CIFAR100: label must be 'fine' or 'coarse'. Received: label={label!r}"
            )
        self.label = label
        self.label_key = f"{label}_labels"
        self.n_classes = 100 if label == "fine" else 20
        super().__init__(root, train=train, download=download, progress=progress)
        meta = self.root / self.folder / "meta"
        self.classes = self._class_names(meta, f"{label}_label_names")

    @staticmethod
    def _batch_names(train: bool) -> list[str]:
        return ["train"] if train else ["test"]

    @staticmethod
    def _class_names(meta: Path, key: str) -> tuple[str, ...] | None:
        """The class names from the ``meta`` file, or None when it is absent or unreadable."""
        if not meta.is_file():
            return None
        content = load_pickle(meta)
        if not isinstance(content, dict):
            return None
        names = {_text(k): v for k, v in content.items()}.get(key)
        return tuple(_text(n) for n in names) if isinstance(names, list) else None

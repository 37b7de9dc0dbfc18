"""MNIST and Fashion-MNIST: 28x28 grey images in ten classes, from the original IDX files.

Both sets ship as four IDX files (train/test images and labels), usually gzipped. IDX is simple
enough to parse by hand, which ``read_idx`` does with NumPy alone:

    bytes 0-1   zero
    byte  2     element type: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
                0x0E float64 (multi-byte values are big-endian)
    byte  3     number of dimensions, D
    then        D sizes, each a big-endian uint32
    then        the elements, in C order

So the magic number of an image file is 0x00000803 = 2051 (uint8, 3 dimensions: N, rows,
columns) and of a label file 0x00000801 = 2049 (uint8, 1 dimension: N).

Files are looked for in ``<root>/mnist`` (or ``<root>/fashion-mnist``), then in torchvision's
layout ``<root>/MNIST/raw`` (``<root>/FashionMNIST/raw``), gzipped or not; ``root`` defaults to
``data_root()``. ``download=True`` fetches the missing ones into the first folder and checks them
against the SHA-256 digests below.
"""

from __future__ import annotations

import gzip
import os
import zlib
from pathlib import Path

import numpy as np

from scratchdl.data.dataset import TensorDataset
from scratchdl.data.download import (
    DataFormatError,
    RemoteFile,
    data_root,
    fetch,
    find_file,
    not_found_error,
)

__all__ = ["MNIST", "FashionMNIST", "read_idx"]


# IDX element-type code -> NumPy dtype (">" = big-endian, as IDX stores multi-byte numbers).
_IDX_DTYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}
_IMAGES_MAGIC = 0x00000803  # 2051: uint8, 3 dimensions (N, rows, columns)
_LABELS_MAGIC = 0x00000801  # 2049: uint8, 1 dimension (N,)


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, gunzipped when it starts with the gzip signature (whatever its name)."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(raw)
        except (OSError, EOFError, zlib.error) as e:
            raise DataFormatError(
                f"read_idx: {path} looks gzipped but cannot be unzipped: {e}"
            ) from e
    return raw


def read_idx(path: str | os.PathLike[str], magic: int | None = None) -> np.ndarray:
    """Read one IDX file (gzipped or not) into an array of its stored shape and type.

    Parameters
    ----------
    path : path
        The file.
    magic : int, optional
        Expected magic number (the first four bytes as a big-endian integer), for example
        ``2051`` for MNIST images; a different one raises ``DataFormatError``.

    Returns
    -------
    ndarray
        Shape as in the header, native byte order.
    """
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise DataFormatError(
            f"read_idx: {path} is {len(raw)} bytes long, too short for an IDX header (4 bytes)."
        )
    found = int.from_bytes(raw[:4], "big")
    if magic is not None and found != magic:
        raise DataFormatError(
            f"read_idx: {path} has magic number {found:#010x} ({found}); expected "
            f"{magic:#010x} ({magic}). Is it the right file (images vs labels), and an IDX file?"
        )
    if raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_DTYPES:
        raise DataFormatError(
            f"read_idx: {path} does not start like an IDX file: magic number {found:#010x}; "
            "expected two zero bytes, a type code (0x08, 0x09, 0x0B, 0x0C, 0x0D or 0x0E) "
            "and the number of dimensions."
        )
    dtype, ndim = _IDX_DTYPES[raw[2]], raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise DataFormatError(
            f"read_idx: {path} is truncated inside its header ({len(raw)} bytes; the header of a "
            f"{ndim}-dimensional file is {header} bytes)."
        )
    shape = tuple(int(n) for n in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        raise DataFormatError(
            f"read_idx: {path} holds {len(raw) - header} bytes of data; its header promises "
            f"shape {shape} of {dtype.name}, which is {expected} bytes. The file is truncated "
            "or damaged: delete it and download it again."
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="))  # a writable copy in native byte order


class MNIST(TensorDataset):
    """The MNIST handwritten digits: 60,000 training and 10,000 test images, 28x28, classes 0-9.

    Parameters
    ----------
    root : path, optional
        Data folder (see ``data_root``); the files go in ``<root>/mnist``.
    train : bool
        The training set (True) or the test set (False).
    download : bool
        Fetch missing files from the addresses in ``mirrors``, verifying their SHA-256.
    progress : bool
        Show a download progress bar (only on a terminal).

    Items are ``(x, y)``: x float32 in [0, 1] of shape (1, 28, 28), y an int64 class index. The
    whole set is held as two arrays, ``self.images`` (N, 1, 28, 28) and ``self.labels`` (N,).
    """

    name = "MNIST"
    folder = "mnist"
    torchvision_folder = "MNIST"
    classes = ("0", "1", "2", "3", "4", "5", "6", "7", "8", "9")
    # Mirrors, tried in order: torchvision's copy on S3 and TensorFlow's on Google Cloud Storage
    # (the original yann.lecun.com address is no longer reliably served).
    mirrors: tuple[str, ...] = (
        "https://ossci-datasets.s3.amazonaws.com/mnist/",
        "https://storage.googleapis.com/cvdf-datasets/mnist/",
    )
    # SHA-256 of the gzipped files (the same bytes on both mirrors; their MD5s are the ones
    # torchvision pins: f68b3c2d..., d53e105e..., 9fb629c4..., ec29112d...). Source: the digests
    # pinned, identically, by several independent public projects that fetch these files from
    # these mirrors (torch.rb's MNIST loader, a Guild AI package, a Nix expression for
    # tensorflow-haskell, and others).
    sha256 = {
        "train-images-idx3-ubyte.gz": (
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
        ),
        "train-labels-idx1-ubyte.gz": (
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"
        ),
        "t10k-images-idx3-ubyte.gz": (
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
        ),
        "t10k-labels-idx1-ubyte.gz": (
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
        ),
    }

    def __init__(
        self,
        root: str | os.PathLike[str] | None = None,
        train: bool = True,
        download: bool = False,
        progress: bool = True,
    ) -> None:
        self.root = data_root(root)
        self.train = train
        prefix = "train" if train else "t10k"
        folders = [self.root / self.folder, self.root / self.torchvision_folder / "raw"]
        images_path, labels_path = self._locate(
            [f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte"],
            folders,
            download,
            progress,
        )

        images = read_idx(images_path, magic=_IMAGES_MAGIC)  # (N, 28, 28) uint8
        labels = read_idx(labels_path, magic=_LABELS_MAGIC)  # (N,) uint8
        if images.shape[1:] != (28, 28):
            raise DataFormatError(
                f"{self.name}: {images_path} holds images of {images.shape[1]}x{images.shape[2]} "
                "pixels; expected 28x28."
            )
        if len(images) != len(labels):
            raise DataFormatError(
                f"{self.name}: {images_path} holds {len(images)} images but {labels_path} holds "
                f"{len(labels)} labels; the two files must come from the same split."
            )
        if labels.size and labels.max() >= len(self.classes):
            raise DataFormatError(
                f"{self.name}: {labels_path} holds label {int(labels.max())}; expected classes "
                f"0..{len(self.classes) - 1}."
            )
        # (N, 28, 28) uint8 -> (N, 1, 28, 28) float32 in [0, 1]
        self.images = np.divide(images[:, None], 255, dtype=np.float32)
        self.labels = labels.astype(np.int64)
        super().__init__(self.images, self.labels)

    def _locate(
        self, stems: list[str], folders: list[Path], download: bool, progress: bool
    ) -> list[Path]:
        """Find each file (gzipped or not; torchvision's unzipped name too), or download it."""
        found = [find_file([f"{s}.gz", s, s.replace("-idx", ".idx")], folders) for s in stems]
        missing = [s for s, path in zip(stems, found) if path is None]
        if missing and not download:
            names = [f"{s}.gz (or unzipped: {s})" for s in missing]
            raise not_found_error(self.name, folders, names, can_download=True)
        for i, stem in enumerate(stems):
            if found[i] is None:
                gz = f"{stem}.gz"
                urls = tuple(base + gz for base in self.mirrors)
                found[i] = fetch(RemoteFile(gz, urls, self.sha256[gz]), folders[0], progress)
        return found

    def __repr__(self) -> str:
        split = "train" if self.train else "test"
        return f"{type(self).__name__}(split={split!r}, n={len(self.labels)}, root='{self.root}')"


class FashionMNIST(MNIST):
    """Zalando's Fashion-MNIST: MNIST's format and sizes, with ten kinds of clothing.

    Same parameters and items as ``MNIST``; the files go in ``<root>/fashion-mnist``.
    """

    name = "FashionMNIST"
    folder = "fashion-mnist"
    torchvision_folder = "FashionMNIST"
    classes = (
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    )
    # The address the Fashion-MNIST README links to (torchvision uses the same).
    mirrors = ("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",)
    # SHA-256 of the gzipped files (their MD5s are the ones the Fashion-MNIST README and
    # torchvision pin: 8d4fb7e6..., 25c81989..., bef4ecab..., bb300cfd...). Source: the digests in
    # torchvision's prototype datasets (``_CHECKSUMS``), pinned identically by several other
    # independent public projects.
    sha256 = {
        "train-images-idx3-ubyte.gz": (
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"
        ),
        "train-labels-idx1-ubyte.gz": (
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"
        ),
        "t10k-images-idx3-ubyte.gz": (
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"
        ),
        "t10k-labels-idx1-ubyte.gz": (
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"
        ),
    }

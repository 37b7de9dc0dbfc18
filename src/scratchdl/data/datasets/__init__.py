"""Real image datasets, offline first.

- ``load_digits``: scikit-learn's bundled 8x8 digits (no download; the ``data`` extra).
- ``MNIST``, ``FashionMNIST``: the IDX files, gzipped or not; ``download=True`` fetches them.
- ``CIFAR10``, ``CIFAR100``: the python-version batches, read through a restricted unpickler;
  ``download=True`` fetches and safely extracts the archive.
- ``load_cat_vs_noncat``: the classic course's HDF5 files (no public address: copy them in).
- ``make_mnist1d``: MNIST-1D (Greydanus 2020), generated locally from ten 1-D digit templates.

Every loader looks in ``data_root(root)`` (the folder given, else ``$SCRATCHDL_DATA``, else
``~/.scratchdl/data``), verifies downloads against SHA-256 digests written in its source, and,
when files are missing, says where it looked and how to get them.
"""

from scratchdl.data._safe_pickle import UnsafePickleError
from scratchdl.data.datasets.cats import load_cat_vs_noncat
from scratchdl.data.datasets.cifar import CIFAR10, CIFAR100
from scratchdl.data.datasets.digits import load_digits
from scratchdl.data.datasets.mnist import MNIST, FashionMNIST, read_idx
from scratchdl.data.datasets.mnist1d import MNIST1DData, make_mnist1d, mnist1d_templates
from scratchdl.data.download import (
    ChecksumError,
    DataFormatError,
    DatasetNotFoundError,
    data_root,
    download_url,
)

__all__ = [
    "CIFAR10",
    "CIFAR100",
    "ChecksumError",
    "DataFormatError",
    "DatasetNotFoundError",
    "FashionMNIST",
    "MNIST",
    "MNIST1DData",
    "UnsafePickleError",
    "data_root",
    "download_url",
    "load_cat_vs_noncat",
    "load_digits",
    "make_mnist1d",
    "mnist1d_templates",
    "read_idx",
]

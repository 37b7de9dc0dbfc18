"""Data: datasets, the mini-batch loader, standardization, and synthetic 2-D sets.

``Dataset``/``TensorDataset`` hold samples, ``DataLoader`` yields shuffled mini-batches of
Tensors, ``Standardizer`` rescales features with training-set statistics, and ``flower``,
``moons``, ``circles``, ``xor``, ``spirals``, ``swiss_roll`` and ``blobs`` draw seeded toy
problems to train on. ``Compose``, ``RandomCrop``, ``RandomHorizontalFlip``, ``Normalize`` and
``ToFloat`` augment image batches, and ``TransformDataset`` applies them to a dataset's samples.
``make_mnist1d`` generates the MNIST-1D set locally.

>>> from scratchdl.data import DataLoader, moons
>>> loader = DataLoader(moons(n=200, seed=0), batch_size=64, shuffle=True, generator=0)
>>> [tuple(x.shape) for x, y in loader]
[(64, 2), (64, 2), (64, 2), (8, 2)]
"""

from scratchdl.data.augment import (
    Compose,
    Normalize,
    RandomCrop,
    RandomHorizontalFlip,
    ToFloat,
)
from scratchdl.data.dataloader import DataLoader, default_collate
from scratchdl.data.dataset import Dataset, Subset, TensorDataset, TransformDataset, random_split

# Real data sets and downloads
from scratchdl.data.datasets import (  # noqa: E402
    CIFAR10,
    CIFAR100,
    MNIST,
    FashionMNIST,
    MNIST1DData,
    load_cat_vs_noncat,
    load_digits,
    make_mnist1d,
)
from scratchdl.data.download import data_root, download_url  # noqa: E402
from scratchdl.data.synthetic import blobs, circles, flower, moons, spirals, swiss_roll, xor
from scratchdl.data.transforms import Standardizer, standardize

__all__ = [
    # datasets and loading
    "DataLoader",
    "Dataset",
    "Subset",
    "TensorDataset",
    "TransformDataset",
    "default_collate",
    "random_split",
    # transforms and augmentation
    "Compose",
    "Normalize",
    "RandomCrop",
    "RandomHorizontalFlip",
    "Standardizer",
    "ToFloat",
    "standardize",
    # synthetic 2-D sets
    "blobs",
    "circles",
    "flower",
    "moons",
    "spirals",
    "swiss_roll",
    "xor",
    # real data
    "CIFAR10",
    "CIFAR100",
    "FashionMNIST",
    "MNIST",
    "MNIST1DData",
    "data_root",
    "download_url",
    "load_cat_vs_noncat",
    "load_digits",
    "make_mnist1d",
]

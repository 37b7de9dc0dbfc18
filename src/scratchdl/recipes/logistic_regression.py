"""logistic-regression: a single sigmoid neuron decides a yes/no question about an image.

The model is one ``nn.Linear(n, 1)``: a weighted sum of the pixels plus a bias, read through a
sigmoid by ``BCEWithLogitsLoss`` (binary cross-entropy). It is trained by full-batch gradient
descent (with momentum 0.9), as the classic course trains its first neuron. The binary image task
(shared with the ``deep`` recipe, see ``binary_image_task``) is

* **cat vs non-cat** when the classic course's HDF5 files are found (``train_catvnoncat.h5`` and
  ``test_catvnoncat.h5`` under ``$SCRATCHDL_DATA``, ``~/.scratchdl/data`` or a ``root`` given to
  ``run``; see ``scratchdl.data.datasets.load_cat_vs_noncat``): 209 training and 50 test colour
  images of 64x64x3, flattened to 12,288 inputs in [0, 1]. The split is the files' own.
* otherwise **even vs odd on scikit-learn's 8x8 digits** (label 1 = even digit), always available
  offline: 64 inputs in [0, 1], the stratified 80/20 split of ``load_digits`` (1,438 training and
  359 test images, 49.6% of them even in both, so chance is about 50%). Even/odd was chosen
  over "one digit vs the rest" because its classes are balanced: a neuron that learns nothing
  scores 50%, not 90%.

The fallback also applies when h5py (needed to read the files) is not installed. ``metrics.json``
records which set was used under ``dataset`` (``"cat_vs_noncat"`` or ``"digits_even_odd"``).

Expected results:

* digits even/odd (measured, 500 epochs of full-batch descent, lr 0.2): test accuracy 92.5%,
  92.2%, 93.9% for seeds 0, 1, 2 (training 92.8%, 92.2%, 91.9%), against 50% by chance. A flat
  cut through pixel space cannot do much better on this question; the ``deep`` recipe's hidden
  layers reach about 98%. About a second, start-up included.
* cat vs non-cat (2,000 epochs, lr 0.001): the classic course reports about 99% training and 70%
  test accuracy for its single neuron: it memorizes the 209 pictures and generalizes poorly. Not
  measured here, since the files are not distributed with scratchdl; about 2 s (timed on random
  images of the same shape).
"""

from __future__ import annotations

import os

import numpy as np

from scratchdl import nn, optim
from scratchdl.data import TensorDataset
from scratchdl.data.datasets import load_cat_vs_noncat, load_digits
from scratchdl.data.download import DatasetNotFoundError
from scratchdl.recipes._common import train_classifier

NAME = "logistic-regression"
SUMMARY = "single sigmoid neuron on cat vs non-cat (if present) or digits even/odd"

CATS = "cat_vs_noncat"
DIGITS = "digits_even_odd"


def binary_image_task(
    seed: int = 0, root: str | os.PathLike | None = None
) -> tuple[TensorDataset, TensorDataset, str]:
    """``(train_set, test_set, dataset_name)`` of the binary image task, inputs flattened.

    Cat vs non-cat (x of shape (N, 12288)) when ``load_cat_vs_noncat(root)`` finds both files,
    else digits even (1) vs odd (0) (x of shape (N, 64)) split by ``seed``. Targets are float32
    of shape (N, 1).
    """
    try:
        train = load_cat_vs_noncat(root, split="train")
        test = load_cat_vs_noncat(root, split="test")
    except (DatasetNotFoundError, ImportError):  # no files (or no h5py): the offline fallback
        pass
    else:
        return _flattened(train), _flattened(test), CATS
    return (
        _even_odd(load_digits("train", seed=seed)),
        _even_odd(load_digits("test", seed=seed)),
        DIGITS,
    )


def _flattened(dataset: TensorDataset) -> TensorDataset:
    x, y = dataset.arrays
    return TensorDataset(x.reshape(len(x), -1), y)  # (N, 64, 64, 3) -> (N, 12288)


def _even_odd(dataset: TensorDataset) -> TensorDataset:
    x, digit = dataset.arrays
    return TensorDataset(x, (digit % 2 == 0).astype(np.float32).reshape(-1, 1))


def run(
    epochs: int | None = None,
    seed: int = 0,
    out=None,
    quick: bool = False,
    root: str | os.PathLike | None = None,
) -> dict:
    train_set, test_set, dataset = binary_image_task(seed, root)
    if dataset == CATS:  # 12,288 inputs: a smaller step keeps full-batch descent stable
        lr, default_epochs = 1e-3, (30 if quick else 2000)
    else:
        lr, default_epochs = 0.2, (20 if quick else 500)
    epochs = epochs if epochs is not None else default_epochs
    n_features = train_set.arrays[0].shape[1]
    return train_classifier(
        NAME,
        lambda: nn.Linear(n_features, 1),
        train_set,
        test_set,
        epochs=epochs,
        batch_size=len(train_set),  # full batch: one gradient step per epoch
        seed=seed,
        out=out,
        make_optimizer=lambda parameters: optim.SGD(parameters, lr=lr, momentum=0.9),
        extra_metrics={"dataset": dataset},
    )

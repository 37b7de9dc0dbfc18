"""cifar: an MLP, a small VGG-style CNN and ResNet-18 on CIFAR-10 (or CIFAR-100).

Runs only when the CIFAR files are on disk (the python version: ``cifar-10-batches-py`` or the
``cifar-10-python.tar.gz`` archive, in ``SCRATCHDL_DATA`` or ``~/.scratchdl/data``); fetch them
once with ``python -c "from scratchdl.data import CIFAR10; CIFAR10(download=True)"``. Without
them the recipe stops with a message that says where it looked and how to get them.

The three models train on the same images with the same schedule: random crops (padding 4)
and horizontal flips, per-channel normalisation with the training set's own mean and standard
deviation, Adam (lr 1e-3), mini-batches of 128, cross-entropy.

* MLP: 3072 -> 512 -> 256 -> classes with ReLU
* CNN: ``models.SmallVGG`` (conv-BN-ReLU blocks of 32, 64, 128 channels, global average pool)
* ResNet-18: ``models.resnet18(stem="cifar")`` (3x3 stem without max-pool, 11M weights)

A full CIFAR-10 epoch of ResNet-18 takes a long time on a CPU with NumPy (tens of minutes on 2
cores); ``--limit N`` trains on the first N training images (and tests on the first N // 5
test images) for a short run. Nothing was measured on the real data on the development machine,
which has no copy of CIFAR (the test suite runs the recipe on small files written in the real
format): the recipe prints and writes its own numbers. For orientation only, not measured
here: MLPs typically reach 50-55% on CIFAR-10, small VGG-style CNNs 80-90%, and ResNet-18 over
90% with schedules much longer than this recipe's default.

Writes metrics.json (``<model>_test_accuracy`` and ``<model>_train_accuracy`` for mlp, cnn and
resnet18; the training accuracy is measured on the un-augmented images), history.json, the
CNN's and ResNet's first-layer filters, feature maps and saliency of a test image, and the three
models' loss curves on one plot.
"""

from __future__ import annotations

import numpy as np

from scratchdl import nn
from scratchdl.data import (
    CIFAR10,
    CIFAR100,
    Compose,
    Normalize,
    RandomCrop,
    RandomHorizontalFlip,
    Subset,
    TransformDataset,
)
from scratchdl.models import MLP, SmallVGG, resnet18
from scratchdl.recipes._common import output_folder, write_json
from scratchdl.recipes._vision import load_files, save_cnn_figures, save_comparison, train_model

NAME = "cifar"
SUMMARY = "MLP vs CNN vs ResNet-18 on CIFAR-10/100 (needs the CIFAR files; --limit N)"
DATASETS = {"cifar10": CIFAR10, "cifar100": CIFAR100}


def load(dataset: str, limit: int | None):
    """(train, test, classes); with ``limit``, the first ``limit`` training images and the first
    ``limit // 5`` test images (at least one)."""
    train, test = load_files(NAME, DATASETS, dataset, limit)
    base = train.dataset if isinstance(train, Subset) else train
    classes = base.n_classes  # the instance's: CIFAR100 sets 100 (or 20 coarse) in __init__
    return train, test, classes


def augmented(train):
    """Random crop (padding 4) and flip, then normalise with the training images' statistics."""
    images = train[np.arange(len(train))][0]
    mean = images.mean(axis=(0, 2, 3), dtype=np.float64)
    std = images.std(axis=(0, 2, 3), dtype=np.float64) + 1e-6
    normalize = Normalize(mean.tolist(), std.tolist())
    size = images.shape[-1]
    augment = Compose([RandomCrop(size, padding=4), RandomHorizontalFlip(), normalize])
    return TransformDataset(train, augment), normalize


def run(
    epochs: int | None = None,
    seed: int = 0,
    out=None,
    quick: bool = False,
    limit: int | None = None,
    dataset: str = "cifar10",
) -> dict:
    epochs = epochs if epochs is not None else (1 if quick else 10)
    limit = limit if limit is not None else (64 if quick else None)
    train, test, classes = load(dataset, limit)
    train_set, normalize = augmented(train)
    test_set = TransformDataset(test, normalize)
    train_eval_set = TransformDataset(train, normalize)  # train accuracy on un-augmented images
    builders = {
        "mlp": lambda: nn.Sequential(nn.Flatten(), MLP([3 * 32 * 32, 512, 256, classes])),
        "cnn": lambda: SmallVGG(num_classes=classes),
        "resnet18": lambda: resnet18(num_classes=classes, stem="cifar"),
    }
    folder = output_folder(NAME, out)
    metrics: dict = {"dataset": dataset, "train_images": len(train), "test_images": len(test)}
    histories, trained = {}, {}
    for name, build in builders.items():
        model, history, results = train_model(
            build,
            train_set,
            test_set,
            epochs=epochs,
            batch_size=128,
            lr=1e-3,
            seed=seed,
            train_eval_set=train_eval_set,
        )
        histories[name], trained[name] = history, model
        metrics[f"{name}_test_accuracy"] = results["test_accuracy"]
        metrics[f"{name}_train_accuracy"] = results["train_accuracy"]
        print(f"{name}: test accuracy {results['test_accuracy']:.1%}")
    metrics.update({"epochs": epochs, "seed": seed})
    write_json(folder / "history.json", {name: h.to_dict() for name, h in histories.items()})
    write_json(folder / "metrics.json", metrics)
    sample = test_set[np.arange(1)][0]  # one normalised test image, (1, 3, 32, 32)
    for name in ("cnn", "resnet18"):
        saved = save_cnn_figures(folder, trained[name], histories[name], sample, prefix=f"{name}_")
        if not saved:
            break
    else:
        save_comparison(folder / "comparison.png", {k.upper(): h for k, h in histories.items()})
    return metrics

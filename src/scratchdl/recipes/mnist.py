"""mnist: LeNet-5 against an MLP on MNIST (or Fashion-MNIST), when their files are on disk.

Reads the IDX files (``<data>/mnist`` or torchvision's ``MNIST/raw``, gzipped or not; fetch them
once with ``python -c "from scratchdl.data import MNIST; MNIST(download=True)"``); without
them the recipe stops with a message that says where it looked and how to get them.
``--dataset fashion-mnist`` trains on Fashion-MNIST instead, ``--limit N`` on the first N
training images.

Both models see the same images, normalised with the training set's mean and standard
deviation, and the same schedule: Adam (lr 1e-3), mini-batches of 128, cross-entropy, 5 epochs.

* LeNet-5: ``models.LeNet5`` (two 5x5 conv + max-pool stages, then 120 -> 84 -> 10)
* MLP: 784 -> 256 -> 128 -> 10 with ReLU

Nothing was measured on the real files on the development machine, which has none (the test
suite runs the recipe on small files written in the real IDX format). For orientation only, not
measured here: LeNet-5 is usually reported near 99% on MNIST and an MLP of this size near 98%.

Writes metrics.json (``lenet_test_accuracy``, ``mlp_test_accuracy``, ``test_accuracy`` = the
CNN's), history.json, LeNet's first-layer filters, feature maps and saliency of a test image,
and both models' loss curves on one plot.
"""

from __future__ import annotations

import numpy as np

from scratchdl import nn
from scratchdl.data import MNIST, FashionMNIST, Normalize, TransformDataset
from scratchdl.models import MLP, LeNet5
from scratchdl.recipes._common import output_folder, write_json
from scratchdl.recipes._vision import load_files, save_cnn_figures, save_comparison, train_model

NAME = "mnist"
SUMMARY = "LeNet-5 vs MLP on MNIST / Fashion-MNIST (needs the files; --limit N)"
DATASETS = {"mnist": MNIST, "fashion-mnist": FashionMNIST}


def load(dataset: str, limit: int | None):
    """(train, test) normalised; with ``limit``, the first ``limit`` training images and the
    first ``limit // 5`` test images (at least one)."""
    train, test = load_files(NAME, DATASETS, dataset, limit)
    images = train[np.arange(len(train))][0]
    normalize = Normalize(float(images.mean()), float(images.std()) + 1e-6)
    return TransformDataset(train, normalize), TransformDataset(test, normalize)


def run(
    epochs: int | None = None,
    seed: int = 0,
    out=None,
    quick: bool = False,
    limit: int | None = None,
    dataset: str = "mnist",
) -> dict:
    epochs = epochs if epochs is not None else (1 if quick else 5)
    limit = limit if limit is not None else (256 if quick else None)
    train_set, test_set = load(dataset, limit)
    builders = {
        "lenet": lambda: LeNet5(),
        "mlp": lambda: nn.Sequential(nn.Flatten(), MLP([28 * 28, 256, 128, 10])),
    }
    folder = output_folder(NAME, out)
    metrics: dict = {"dataset": dataset, "train_images": len(train_set)}
    histories, trained = {}, {}
    for name, build in builders.items():
        model, history, results = train_model(
            build, train_set, test_set, epochs=epochs, batch_size=128, lr=1e-3, seed=seed
        )
        histories[name], trained[name] = history, model
        metrics[f"{name}_test_accuracy"] = results["test_accuracy"]
        metrics[f"{name}_train_accuracy"] = results["train_accuracy"]
        print(f"{name}: test accuracy {results['test_accuracy']:.1%}")
    metrics.update(
        {"test_accuracy": metrics["lenet_test_accuracy"], "epochs": epochs, "seed": seed}
    )
    write_json(folder / "history.json", {name: h.to_dict() for name, h in histories.items()})
    write_json(folder / "metrics.json", metrics)
    sample = test_set[np.arange(1)][0]  # one normalised test image, (1, 1, 28, 28)
    if save_cnn_figures(folder, trained["lenet"], histories["lenet"], sample):
        save_comparison(
            folder / "comparison.png", {"LeNet-5": histories["lenet"], "MLP": histories["mlp"]}
        )
    return metrics

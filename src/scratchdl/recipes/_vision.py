"""What the CNN recipes share: train one model, evaluate it, and draw what a CNN learned.

``train_model`` seeds, builds, trains (Adam, cross-entropy) and evaluates one classifier and
returns its History and test/train results; ``save_cnn_figures`` writes the learned first-layer
filters, the feature maps of one input, the saliency map (for images) and the training curves.
Figures need matplotlib (the ``viz`` extra); without it the recipes still train and say once
which figures were skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from scratchdl.backend import manual_seed
from scratchdl.recipes._common import FIGURES_SKIPPED, figures_available


def train_model(
    build_model: Callable[[], Any],
    train_set,
    test_set,
    *,
    epochs: int,
    batch_size: int,
    lr: float,
    seed: int,
    weight_decay: float = 0.0,
    train_eval_set=None,
) -> tuple[Any, Any, dict[str, float]]:
    """Seed, build, train with Adam and cross-entropy; return (model, history, results).

    ``results`` holds ``train_accuracy``, ``train_loss``, ``test_accuracy`` and ``test_loss``,
    measured in eval mode after the last epoch. The training figures are measured on
    ``train_eval_set`` (default: ``train_set``); pass the un-augmented training images when
    ``train_set`` draws random crops and flips, so they are not measured on distorted images.
    """
    from scratchdl import nn, optim
    from scratchdl.data import DataLoader
    from scratchdl.train import evaluate, fit

    manual_seed(seed)
    model = build_model()
    opt = optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    loss_fn = nn.CrossEntropyLoss()
    loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, generator=seed)
    history = fit(model, loss_fn, opt, loader, epochs, metrics=["accuracy"])
    results: dict[str, float] = {}
    train_eval_set = train_set if train_eval_set is None else train_eval_set
    for split, data in (("train", train_eval_set), ("test", test_set)):
        scores = evaluate(model, loss_fn, DataLoader(data, batch_size=500), ["accuracy"])
        results[f"{split}_accuracy"] = scores["accuracy"]
        results[f"{split}_loss"] = scores["loss"]
    return model, history, results


def save_cnn_figures(
    folder: Path, model, history, sample: np.ndarray, *, prefix: str = "", images: bool = True
) -> list[Path]:
    """Filters, feature maps, saliency (when ``images``) and curves of one trained CNN.

    ``sample`` is one input with its batch axis, e.g. (1, 1, 8, 8) or (1, 40). Returns the paths
    written; an empty list (and one printed line) when matplotlib is missing.
    """
    if not figures_available():
        print(FIGURES_SKIPPED)
        return []
    from scratchdl import viz
    from scratchdl.creation import tensor

    first_conv = next(
        module for module in model.modules() if type(module).__name__.startswith("Conv")
    )
    x = tensor(np.asarray(sample))
    paths = {
        "filters": folder / f"{prefix}filters.png",
        "feature_maps": folder / f"{prefix}feature_maps.png",
        "curves": folder / f"{prefix}curves.png",
    }
    viz.plot_filters(first_conv, path=paths["filters"], title="first-layer filters")
    viz.plot_feature_maps(model, x, path=paths["feature_maps"])
    viz.plot_history(history, path=paths["curves"])
    if images:
        paths["saliency"] = folder / f"{prefix}saliency.png"
        viz.plot_saliency(model, x, path=paths["saliency"])
    return list(paths.values())


def save_comparison(path: Path, histories: dict[str, Any], metric: str = "loss") -> Path:
    """Several models' training curves of ``metric`` on one axis (needs matplotlib)."""
    from scratchdl import viz

    runs = {name: history[metric] for name, history in histories.items()}
    viz.plot_comparison(runs, ylabel=f"training {metric}", logy=metric == "loss", path=path)
    return path


def load_files(recipe: str, datasets: dict[str, Any], dataset: str, limit: int | None):
    """(train, test) of a data set read from disk, such as ``CIFAR10`` or ``MNIST``.

    ``datasets`` maps the names the recipe accepts to loader classes. Missing files raise
    ``DatasetNotFoundError`` saying where the loader looked and how to download them (the CLI
    prints it and exits with 2). With ``limit``, the first ``limit`` training images and the
    first ``limit // 5`` test images (at least one) are kept.
    """
    from scratchdl.data import Subset
    from scratchdl.data.download import DatasetNotFoundError

    if dataset not in datasets:
        raise ValueError(
            f"{recipe}: dataset must be one of {sorted(datasets)}; received {dataset!r}."
        )
    loader = datasets[dataset]
    try:
        train, test = loader(train=True), loader(train=False)
    except DatasetNotFoundError as error:
        raise DatasetNotFoundError(
            f"{recipe}: this recipe needs the {loader.name} files and they are not on disk.\n"
            f'{error}\nhelp: python -c "from scratchdl.data import {loader.__name__}; '
            f'{loader.__name__}(download=True)"'
        ) from error
    if limit is not None:
        train = Subset(train, np.arange(min(limit, len(train))))
        test = Subset(test, np.arange(min(max(limit // 5, 1), len(test))))
    return train, test

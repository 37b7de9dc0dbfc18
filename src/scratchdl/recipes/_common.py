"""What every recipe shares: its output folder, the standard classifier run, its figures, the
printed result line, and the tools of the comparison studies.

A recipe is a module with a docstring that states the result it reproduces and a function
``run(epochs=None, seed=0, out=None, quick=False) -> dict`` that trains, writes

* ``metrics.json``: fractions in [0, 1] (and losses) under plain keys such as
  ``train_accuracy``, ``test_accuracy``, ``test_loss``;
* ``history.json``: the per-epoch History, with the test set's ``val_loss`` and
  ``val_accuracy`` after every epoch (measured only: nothing is tuned on them);
* ``model.ckpt``: the final checkpoint (model, optimizer, RNG, the training loader's shuffling
  state, the history), readable with ``scratchdl.train.load_checkpoint``; ``fit(...,
  resume=<it>)`` with the same model, optimizer and loader trains on exactly as a longer run
  would. (``deep``, which has no Module, writes ``params.safetensors`` instead.)
* with the ``viz`` extra, figures: ``curves.png``, and for inputs in the plane
  ``decision_boundary.png`` and ``training.gif`` (see ``train_classifier``);

into ``out`` (default ``runs/<recipe>``), and returns the metrics. ``quick=True`` is the short
version the test suite runs. The ``study-*`` recipes write one History per compared run and a
report instead of a checkpoint (see the studies section below and ``_report.py``).
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from scratchdl.backend import manual_seed
from scratchdl.serialization import write_atomically
from scratchdl.train import Callback, evaluate, fit

# --------------------------------------------------------------------------- output files


def output_folder(name: str, out: str | os.PathLike | None) -> Path:
    folder = Path(out) if out is not None else Path("runs") / name
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def write_json(path: Path, data: Any) -> None:
    """Write JSON atomically (temp file + rename); NaN and infinities become ``null``.

    A diverged run's loss is NaN or infinite, which strict JSON cannot hold (``NaN`` is a Python
    extension that browsers and most other readers reject), so it is written as ``null``.
    """
    text = json.dumps(json_safe(data), indent=2, default=_plain, allow_nan=False)
    write_atomically(path, lambda: text.encode())


def json_safe(value: Any) -> Any:
    """``value`` with NumPy scalars made plain and non-finite floats replaced by None."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    if isinstance(value, np.ndarray):
        return json_safe(value.tolist())
    return value


def _plain(value: Any) -> Any:
    raise TypeError(f"write_json: cannot write a {type(value).__name__} to JSON: {value!r:.80}")


# --------------------------------------------------------------------------- the standard run


def train_classifier(
    name: str,
    build_model: Callable[[], Any],
    train_set,
    test_set,
    *,
    epochs: int,
    batch_size: int,
    seed: int,
    out,
    lr: float = 1e-3,
    make_optimizer: Callable[[Any], Any] | None = None,
    extra_metrics: dict[str, Any] | None = None,
    quick: bool = False,
) -> dict[str, Any]:
    """Seed, build the model, train it with fit, evaluate on both sets, write the outputs.

    ``build_model()`` runs after ``manual_seed(seed)``, so the initial weights follow the seed
    as well as the data order and dropout. The optimizer is Adam(lr) unless
    ``make_optimizer(parameters)`` builds another (plain SGD for the classic recipes). Binary
    sets (targets of shape (N, 1)) use BCE-with-logits, multi-class sets cross-entropy.
    ``extra_metrics`` (a sweep's results, say) are added to metrics.json after the standard keys.

    The test set is also fit's validation set, so the History has ``val_loss`` and
    ``val_accuracy`` per epoch; they are only measured, in eval mode and without a graph, and
    change nothing in the training (no early stopping or tuning uses them).

    With the ``viz`` extra installed it also draws ``curves.png`` (the History), and when the
    inputs are points in the plane ``decision_boundary.png`` and ``training.gif`` (the boundary
    as it forms, from a BoundaryRecorder during fit); ``quick`` keeps those small and cheap.
    Without the extra it prints one line saying the figures were skipped.
    """
    from scratchdl import nn, optim
    from scratchdl.data import DataLoader
    from scratchdl.train import save_checkpoint

    manual_seed(seed)
    model = build_model()
    if make_optimizer is None:
        opt = optim.Adam(model.parameters(), lr=lr)
    else:
        opt = make_optimizer(model.parameters())
    targets = train_set[np.arange(1)][1]
    binary = targets.ndim == 2 and targets.shape[1] == 1
    loss_fn = nn.BCEWithLogitsLoss() if binary else nn.CrossEntropyLoss()
    generator = np.random.default_rng(seed)
    train_loader = DataLoader(train_set, batch_size=batch_size, shuffle=True, generator=generator)
    draw = figures_available()
    points = _plane_points(train_set)
    recorder = None
    if draw and points is not None:
        from scratchdl.viz import BoundaryRecorder

        frames = QUICK_FRAMES if quick else FRAMES
        recorder = BoundaryRecorder(
            *points,
            every=max(1, epochs * len(train_loader) // frames),
            resolution=QUICK_RESOLUTION if quick else GIF_RESOLUTION,
        )
    callbacks = [recorder] if recorder is not None else []
    test_loader = DataLoader(test_set, batch_size=512)
    history = fit(
        model,
        loss_fn,
        opt,
        train_loader,
        epochs,
        val_loader=test_loader,  # only measured (eval mode, no graph): training is unchanged
        metrics=["accuracy"],
        callbacks=callbacks,
    )
    train_results = evaluate(model, loss_fn, DataLoader(train_set, batch_size=512), ["accuracy"])
    test_results = evaluate(model, loss_fn, test_loader, ["accuracy"])
    metrics: dict[str, Any] = {
        "train_accuracy": train_results["accuracy"],
        "train_loss": train_results["loss"],
        "test_accuracy": test_results["accuracy"],
        "test_loss": test_results["loss"],
        "epochs": epochs,
        "seed": seed,
        **(extra_metrics or {}),
    }
    folder = output_folder(name, out)
    save_checkpoint(
        folder / "model.ckpt",
        model,
        opt,
        epoch=epochs,
        extra={"history": history.to_dict()},
        loaders=[train_loader],  # its shuffling state: without it fit(resume=...) refuses the file
    )
    write_json(folder / "history.json", history.to_dict())
    write_json(folder / "metrics.json", metrics)
    if draw:
        _run_figures(folder, name, model, history, recorder, points, metrics, quick)
    else:
        print(FIGURES_SKIPPED)
    return metrics


# --------------------------------------------------------------------------- figures

FRAMES = 24  # boundary frames in a full run's training.gif (plus the first and the last)
QUICK_FRAMES = 5
GIF_RESOLUTION = 60  # grid points per axis in the GIF's frames
QUICK_RESOLUTION = 30
BOUNDARY_RESOLUTION = 200  # ... and in decision_boundary.png


def _plane_points(dataset) -> tuple[np.ndarray, np.ndarray] | None:
    """(X, y) of the whole dataset when its inputs are points in the plane (N, 2), else None."""
    first = dataset[np.arange(1)][0]  # look at one example before gathering them all
    if getattr(first, "ndim", 0) != 2 or first.shape[1] != 2:
        return None
    x, y = dataset[np.arange(len(dataset))][:2]
    return getattr(x, "data", x), getattr(y, "data", y)


def _run_figures(folder: Path, name: str, model, history, recorder, points, metrics, quick) -> None:
    """curves.png always; decision_boundary.png and training.gif for 2-D inputs."""
    from scratchdl.viz import animate_training, plot_decision_boundary, plot_history

    plot_history(
        history, path=folder / "curves.png", title=f"{name}: training curves (validation: test set)"
    )
    if points is None:
        return
    plot_decision_boundary(
        model,
        *points,
        resolution=QUICK_RESOLUTION if quick else BOUNDARY_RESOLUTION,
        title=f"{name}: test accuracy {metrics['test_accuracy']:.1%}",
        path=folder / "decision_boundary.png",
    )
    animate_training(recorder, folder / "training.gif", fps=8)


FIGURES_SKIPPED = (
    "figures skipped: matplotlib and pillow are not installed; "
    'pip install "scratchdl[viz]" to get the plots and the training GIF'
)


def figures_available() -> bool:
    """True when the ``viz`` extra (matplotlib and pillow) can be imported.

    Recipes still train and write their numbers without it; they print ``FIGURES_SKIPPED``.
    """
    try:
        import matplotlib  # noqa: F401
        import PIL  # noqa: F401
    except ImportError:
        return False
    return True


def draw_figures(draw: Callable[[], list]) -> list:
    """The paths ``draw()`` writes when the ``viz`` extra is installed; without it, print
    ``FIGURES_SKIPPED`` and return an empty list (the numbers are written either way)."""
    if figures_available():
        return draw()
    print(FIGURES_SKIPPED)
    return []


def boundaries_side_by_side(
    models: dict[str, Any], X, y, path: Path, *, resolution: int = 100, title: str | None = None
) -> Path:
    """One decision-boundary panel per model, in a row, saved to ``path`` (needs ``viz``)."""
    from scratchdl.viz import plot_decision_boundary, save_figure
    from scratchdl.viz._figure import new_figure

    figure = new_figure(size=(3.3 * len(models), 3.4), dpi=90)
    axes = np.atleast_1d(figure.subplots(1, len(models), sharex=True, sharey=True))
    for ax, (name, model) in zip(axes, models.items()):
        plot_decision_boundary(
            model, X, y, ax=ax, title=name, resolution=resolution, colorbar=False
        )
    if title is not None:
        figure.suptitle(title)
    return save_figure(figure, path)


# --------------------------------------------------------------------------- the result line


def report(name: str, metrics: dict[str, float], out) -> str:
    """The one-line result every recipe prints.

    A study's per-run table (a dict of dicts, such as ``runs``) is too wide for one line: the
    line points to ``report.html`` and ``metrics.md`` instead.
    """
    shown = "  ".join(
        f"{key} {value:.4f}" if isinstance(value, float) else f"{key} {value}"
        for key, value in metrics.items()
        if key not in ("seed",) and not _is_table(value)
    )
    folder = Path(out) if out is not None else Path("runs") / name
    if (folder / "report.html").is_file():
        return f"{name}: {shown}  (per-run results in {folder / 'report.html'} and metrics.md)"
    return f"{name}: {shown}  (outputs in {folder})"


def _is_table(value: Any) -> bool:
    return isinstance(value, dict) and any(isinstance(row, dict) for row in value.values())


# --------------------------------------------------------------------------- studies
#
# A study trains several models that differ in one thing only (the optimizer, the
# initialisation, ...). Everything else must be equal, or the comparison means nothing: the
# same data, the same initial weights (``initial_state``, loaded into each run's model) and the
# same batches in the same order (``train_run`` seeds each run's loader identically).


def moons_split(train_size: int, noise: float, seed: int, test_size: int = 1000) -> tuple:
    """(train, test) two-moons sets of a study: independent draws (the test set's seed is
    ``seed + 1000``) with the same noise."""
    from scratchdl.data import moons

    return (
        moons(n=train_size, noise=noise, seed=seed),
        moons(n=test_size, noise=noise, seed=seed + 1000),
    )


def initialised_mlp(
    sizes: Sequence[int], activation: Callable[[], Any], rule: Callable[[Any], Any], seed: int
):
    """``MLP(sizes, activation)`` built after ``manual_seed(seed)``, then every weight matrix
    filled by ``rule`` (an ``nn.init`` function) and every bias set to 0.

    Rules that draw random numbers draw the same ones for the same seed, so two rules that only
    scale a standard normal give weights that differ only by that scale.
    """
    from scratchdl import nn
    from scratchdl.models import MLP

    manual_seed(seed)
    model = MLP(sizes, activation)
    for layer in model:
        if isinstance(layer, nn.Linear):
            rule(layer.weight)
            nn.init.zeros_(layer.bias)
    return model


def initial_state(build_model: Callable[[], Any], seed: int) -> dict[str, np.ndarray]:
    """The weights ``build_model()`` makes after ``manual_seed(seed)``, copied out as arrays.

    ``model.load_state_dict(initial_state(...))`` gives every compared run the same start.
    """
    manual_seed(seed)
    return {key: value.data.copy() for key, value in build_model().state_dict().items()}


def binary_accuracy(output, target) -> float:
    """The fraction of examples whose logit has the target's sign (logit > 0 means class 1).

    Unlike fit's ``"accuracy"``, a NaN output (a diverged network) does not raise: it counts as
    a wrong prediction, so a diverged run scores what it predicts correctly, nothing.
    """
    logits = np.asarray(getattr(output, "data", output)).reshape(-1)
    labels = np.asarray(getattr(target, "data", target)).reshape(-1) > 0.5
    correct = ((logits > 0) == labels) & np.isfinite(logits)
    return float(np.mean(correct))


class StopOnDivergence(Callback):
    """End training once the epoch's loss is NaN or infinite: further steps cannot recover.

    ``diverged_epoch`` is the 1-based epoch whose loss was not finite, or None.
    """

    def __init__(self) -> None:
        self.diverged_epoch: int | None = None

    def on_train_begin(self, trainer) -> None:
        self.diverged_epoch = None

    def on_epoch_end(self, trainer, epoch: int, logs: dict[str, float]) -> None:
        if not math.isfinite(logs["loss"]):
            self.diverged_epoch = epoch + 1
            trainer.stop_training = True


class EpochScores(Callback):
    """Score the model on each named dataset at the end of the epochs ``when`` selects.

    ``when(epoch)`` gets the 1-based epoch number (default: every epoch). ``history["epoch"]``
    holds the epochs scored; ``history["<name>_loss"]`` and ``history["<name>_accuracy"]`` one
    value per scored epoch (see ``score``), measured in eval mode after the epoch's last step
    with the plain loss: unlike fit's running mean over the epoch, they are comparable across
    runs with different batch sizes, dropout or penalty terms.
    """

    def __init__(
        self,
        datasets: dict[str, Any],
        loss_fn: Callable | None = None,
        when: Callable[[int], bool] | None = None,
    ) -> None:
        self.datasets, self.loss_fn, self.when = datasets, loss_fn, when
        self.history: dict[str, list[float]] = {}

    def on_train_begin(self, trainer) -> None:
        self.history = {}

    def on_epoch_end(self, trainer, epoch: int, logs: dict[str, float]) -> None:
        if self.when is not None and not self.when(epoch + 1):
            return
        self.history.setdefault("epoch", []).append(epoch + 1)
        for name, dataset in self.datasets.items():
            for key, value in score(trainer.model, dataset, self.loss_fn).items():
                self.history.setdefault(f"{name}_{key}", []).append(value)


def train_run(
    model,
    optimizer,
    train_set,
    *,
    epochs: int,
    batch_size: int,
    seed: int,
    loss_fn: Callable | None = None,
    callbacks: Sequence[Callback] = (),
) -> tuple[Any, int | None]:
    """One run of a study: ``fit`` with a loader shuffled by ``seed``; returns (History, the
    epoch it diverged at or None).

    Runs given the same ``seed`` and ``batch_size`` see the same batches in the same order. The
    loss defaults to BCE-with-logits, the metric is ``binary_accuracy`` (NaN-tolerant), and a
    run whose loss becomes NaN or infinite stops there: divergence is a result to report (a
    learning rate or an initialisation too large), not an error, so NumPy's overflow warnings
    are silenced during the run.
    """
    from scratchdl import nn
    from scratchdl.data import DataLoader

    loss_fn = loss_fn if loss_fn is not None else nn.BCEWithLogitsLoss()
    loader = DataLoader(
        train_set, batch_size=batch_size, shuffle=True, generator=np.random.default_rng(seed)
    )
    stop = StopOnDivergence()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        history = fit(
            model,
            loss_fn,
            optimizer,
            loader,
            epochs,
            metrics={"accuracy": binary_accuracy},
            callbacks=[*callbacks, stop],
        )
    return history, stop.diverged_epoch


def score(model, dataset, loss_fn: Callable | None = None) -> dict[str, float]:
    """``{"loss", "accuracy"}`` of ``model`` on the whole ``dataset`` (eval mode, no graph)."""
    from scratchdl import nn
    from scratchdl.data import DataLoader

    loss_fn = loss_fn if loss_fn is not None else nn.BCEWithLogitsLoss()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        return evaluate(
            model,
            loss_fn,
            DataLoader(dataset, batch_size=len(dataset)),
            {"accuracy": binary_accuracy},
        )

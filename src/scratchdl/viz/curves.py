"""Curves of a run: loss and metrics per epoch, the learning rate, runs side by side, bar charts.

Every function takes plain numbers (lists, dicts of lists, or a ``History`` from ``fit``) and
returns a matplotlib Figure, saved atomically when ``path`` is given.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from scratchdl.viz._figure import color, finish, grid_shape, new_figure

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_LINESTYLES = ("-", "--", "-.", ":")


def history_dict(history: Any, owner: str) -> dict[str, list[float]]:
    """A ``History`` (or anything with a ``history`` dict) or a dict of lists, as a plain dict."""
    values = getattr(history, "history", history)
    if not isinstance(values, Mapping):
        raise TypeError(
            f"{owner}: expected a History (what fit returns) or a dict of name -> list of "
            f"values; received {type(history).__name__}."
        )
    return {str(key): _numbers(owner, str(key), series) for key, series in values.items()}


def _numbers(owner: str, name: str, series: Any) -> list[float]:
    array = np.asarray(getattr(series, "data", series), dtype=np.float64)
    if array.ndim != 1:
        raise ValueError(
            f"{owner}: {name!r} must be a 1-D sequence of numbers; received shape {array.shape}."
        )
    return array.tolist()


def _base_metrics(keys: Sequence[str]) -> list[str]:
    """'loss', 'accuracy', ... in order of appearance, each once, without 'val_' and 'lr'."""
    names: list[str] = []
    for key in keys:
        base = key.removeprefix("val_")
        if base != "lr" and base not in names:
            names.append(base)
    return names


def plot_history(
    history: Any,
    metrics: str | Sequence[str] | None = None,
    *,
    path: str | os.PathLike | None = None,
    title: str | None = None,
) -> Figure:
    """One panel per metric: the training curve and, when present, the ``val_<metric>`` curve.

    Parameters
    ----------
    history : History or dict of lists
        ``fit``'s return value, or e.g. ``{"loss": [...], "val_loss": [...]}``.
    metrics : str or list of str, optional
        Which metrics to draw (default: every key, with ``val_`` keys joined to their training
        key, and ``lr`` left out: see ``plot_lr``).
    path : str or path-like, optional
        Save the figure there (png, or svg/pdf by suffix).
    title : str, optional
        A title over all panels.
    """
    values = history_dict(history, "plot_history")
    available = _base_metrics(list(values))
    if metrics is None:
        metrics = available
    elif isinstance(metrics, str):
        metrics = [metrics]
    metrics = list(metrics)
    missing = [m for m in metrics if m not in values and f"val_{m}" not in values]
    if missing:
        raise KeyError(
            f"plot_history: no values for {missing} in the history; it has {sorted(values)}."
        )
    if not metrics:
        raise ValueError("plot_history: the history holds no metrics to draw (it is empty).")
    from matplotlib.ticker import MaxNLocator

    rows, columns = grid_shape(len(metrics), 3)
    fig = new_figure(size=(4.0 * columns, 3.2 * rows))
    axes = np.atleast_1d(fig.subplots(rows, columns, squeeze=False)).ravel()
    for ax, metric in zip(axes, metrics):
        for index, (key, label) in enumerate(((metric, "train"), (f"val_{metric}", "validation"))):
            if key in values:
                series = values[key]
                epochs = np.arange(1, len(series) + 1)
                ax.plot(epochs, series, _LINESTYLES[index], color=color(index), label=label)
        ax.set_xlabel("epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_ylabel(metric)
        ax.set_title(metric.replace("_", " ").capitalize())
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    for ax in axes[len(metrics) :]:
        ax.set_visible(False)
    if title is not None:
        fig.suptitle(title)
    return finish(fig, path)


def plot_lr(
    lrs_or_history: Any,
    *,
    path: str | os.PathLike | None = None,
    title: str | None = None,
    logy: bool = False,
) -> Figure:
    """The learning rate over training.

    ``lrs_or_history`` is a sequence of rates (drawn per step), or a ``History``/dict whose
    ``"lr"`` entry holds the rate of each epoch (what ``fit`` records).
    """
    if isinstance(lrs_or_history, Mapping) or hasattr(lrs_or_history, "history"):
        values = history_dict(lrs_or_history, "plot_lr")
        if "lr" not in values:
            raise KeyError(
                f"plot_lr: the history has no 'lr' entry (it has {sorted(values)}). help: pass "
                "the list of learning rates itself, e.g. one per step from your scheduler."
            )
        rates, unit = values["lr"], "epoch"
    else:
        rates, unit = _numbers("plot_lr", "lrs", lrs_or_history), "step"
    if not rates:
        raise ValueError("plot_lr: there are no learning rates to draw (the sequence is empty).")
    fig = new_figure()
    ax = fig.add_subplot()
    marker = "." if len(rates) <= 60 else None  # dots while they stay readable
    ax.plot(np.arange(1, len(rates) + 1), rates, color=color(0), marker=marker)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(unit)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_ylabel("learning rate")
    ax.set_title(title if title is not None else "Learning-rate schedule")
    ax.grid(alpha=0.3)
    return finish(fig, path)


def plot_comparison(
    runs: Mapping[str, Sequence[float]],
    *,
    xlabel: str = "epoch",
    ylabel: str = "loss",
    x: Mapping[str, Sequence[float]] | Sequence[float] | None = None,
    logy: bool = False,
    title: str | None = None,
    path: str | os.PathLike | None = None,
    styles: Mapping[str, tuple[int, str]] | None = None,
) -> Figure:
    """Several runs on one axis, with a legend (optimizers, learning rates, initialisations...).

    Parameters
    ----------
    runs : dict of name -> values
    x : optional
        The x value of each point: one sequence shared by every run, or a dict name -> sequence
        (e.g. wall-clock seconds, which differ per run). Default: 1, 2, 3, ...
    logy : bool
        Logarithmic y axis (losses that span decades).
    styles : dict of name -> (colour index, line style), optional
        Pairs of curves that belong together, e.g. one colour per run with its training curve
        solid ``"-"`` and its test curve dashed ``"--"``. Default: a new colour per run.

    With more than six runs the legend goes beside the axes, where it hides no curve.
    """
    if not isinstance(runs, Mapping) or not runs:
        raise ValueError(
            "plot_comparison: runs must be a non-empty dict of name -> list of values; received "
            f"{runs!r:.80}."
        )
    fig = new_figure(size=(6.0, 4.0) if len(runs) <= 6 else (7.2, 4.0))
    ax = fig.add_subplot()
    for index, (name, series) in enumerate(runs.items()):
        ys = _numbers("plot_comparison", str(name), series)
        xs = _run_x(x, str(name), len(ys))
        shade, style = _style(styles, str(name), index)
        ax.plot(xs, ys, style, color=color(shade), label=str(name), linewidth=1.5)
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    if len(runs) <= 6:
        ax.legend(fontsize="small")
    else:
        ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.02, 1.0))
    return finish(fig, path)


def _style(styles: Mapping[str, tuple[int, str]] | None, name: str, index: int) -> tuple[int, str]:
    """(colour index, line style) of one run: its entry in ``styles``, else the index-th."""
    if styles is None:
        return index, _LINESTYLES[(index // 8) % len(_LINESTYLES)]  # new style after 8 colours
    if name not in styles:
        raise KeyError(
            f"plot_comparison: styles has no entry for run {name!r}; it has {list(styles)}."
        )
    shade, style = styles[name]
    return int(shade), style


def _run_x(x: Any, name: str, length: int) -> list[float]:
    if x is None:
        return list(range(1, length + 1))
    if isinstance(x, Mapping):
        if name not in x:
            raise KeyError(f"plot_comparison: x has no entry for run {name!r}; it has {list(x)}.")
        xs = _numbers("plot_comparison", f"x[{name!r}]", x[name])
    else:
        xs = _numbers("plot_comparison", "x", x)
    if len(xs) != length:
        raise ValueError(
            f"plot_comparison: run {name!r} has {length} values but its x has {len(xs)}; they "
            "must have the same length."
        )
    return xs


def plot_bar(
    values: Mapping[str, float],
    *,
    ylabel: str,
    title: str | None = None,
    path: str | os.PathLike | None = None,
) -> Figure:
    """One bar per entry, each labelled with its value (final accuracies, timings...)."""
    if not isinstance(values, Mapping) or not values:
        raise ValueError(
            f"plot_bar: values must be a non-empty dict of name -> number; received {values!r:.80}."
        )
    names = [str(name) for name in values]
    heights = np.array([float(getattr(v, "data", v)) for v in values.values()])
    fig = new_figure(size=(max(4.0, 0.8 * len(names) + 1.5), 4.0))
    ax = fig.add_subplot()
    bars = ax.bar(names, heights, color=[color(i) for i in range(len(names))], edgecolor="black")
    ax.bar_label(bars, labels=[f"{h:.3g}" for h in heights], padding=2, fontsize="small")
    finite = heights[np.isfinite(heights)]
    if len(finite) and finite.min() >= 0:
        ax.set_ylim(0, (finite.max() or 1.0) * 1.15)  # room for the labels above the bars
    if len(names) > 4 or max(len(n) for n in names) > 10:
        ax.tick_params(axis="x", labelrotation=30)
    ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    ax.grid(axis="y", alpha=0.3)
    return finish(fig, path)

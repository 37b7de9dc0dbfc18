"""Decision boundaries of 2-D classifiers: where the model changes its mind, drawn over the data.

The picture is computed, not guessed: a grid of points covering the data (plus a margin) goes
through the model in one pass without a graph, and its logits z become probabilities:

* one output (logits of shape (M,) or (M, 1)) is a binary classifier, p = σ(z) = 1 / (1 + e^-z),
  the probability of class 1. The shading runs from class 0 (blue) through white (p = 0.5) to
  class 1 (orange), and the line p = 0.5 (that is z = 0) is the decision boundary;
* K outputs are K classes, p_k = e^(z_k) / Σ_j e^(z_j) (softmax). Each point of the plane takes
  the colour of its predicted class argmax_k p_k: pale where the model hesitates (max_k p_k near
  1/K), strong where it is sure. Thin lines separate the regions.

The data points are drawn on top, coloured by their true class, so misclassified points stand
out as dots of one colour on the other colour's ground. Where a diverged model outputs NaN, the
ground is grey: that point has no class at all.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np

from scratchdl.autograd.grad_mode import no_grad
from scratchdl.errors import ShapeError
from scratchdl.tensor import Tensor
from scratchdl.viz._figure import PALETTE, color, finish, new_figure
from scratchdl.viz._model import as_array, check_callable, evaluating, model_dtype

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

_CHUNK = 8192  # grid points per forward pass: bounds memory at high resolutions
_BACKGROUND = 0.6  # how much of a class colour the background shading takes at most
_NAN_GREY = 0.55  # the background where the model outputs NaN (no class: neither colour)


# ----------------------------------------------------------------------------- the numbers
def decision_grid(
    model: Any, X: Any, resolution: int = 200, margin: float = 0.5
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The model's class probabilities on a square grid of points covering ``X``.

    Parameters
    ----------
    model : nn.Module or callable
        Maps a Tensor of points (M, 2) to logits (M,), (M, 1) or (M, K). It runs in eval mode
        without recording a graph; its previous mode is restored afterwards.
    X : Tensor or array of shape (N, 2)
        The data; the grid spans its bounding box widened by ``margin`` on every side.
    resolution : int
        Points per axis (the grid has resolution² points).
    margin : float
        Extra room around the data, in the data's units.

    Returns
    -------
    xx, yy : ndarray of shape (R, R)
        The grid's coordinates (``np.meshgrid`` layout: row i has y = yy[i, 0], column j has
        x = xx[0, j]), in the model's dtype.
    probs : ndarray
        Binary model: shape (R, R), p = σ(z), the probability of class 1. K-class model:
        shape (R, R, K), p = softmax(z) over the last axis.
    """
    points = _points(X, "decision_grid")
    return _grid(model, points, resolution, margin, "decision_grid")


def _grid(model, points: np.ndarray, resolution, margin, owner: str):
    check_callable(model, owner)
    if isinstance(resolution, bool) or not isinstance(resolution, (int, np.integer)):
        raise TypeError(f"{owner}: resolution must be an int; received {resolution!r}.")
    if resolution < 2:
        raise ValueError(f"{owner}: resolution must be at least 2; received {resolution}.")
    number = isinstance(margin, (int, float, np.number)) and not isinstance(margin, bool)
    if not number or not margin >= 0:
        raise ValueError(f"{owner}: margin must be a number >= 0; received {margin!r}.")
    dtype = model_dtype(model)
    low, high = points.min(axis=0) - margin, points.max(axis=0) + margin
    xs = np.linspace(low[0], high[0], resolution).astype(dtype)
    ys = np.linspace(low[1], high[1], resolution).astype(dtype)
    xx, yy = np.meshgrid(xs, ys)  # (R, R) each
    grid = np.stack([xx.ravel(), yy.ravel()], axis=1)  # (R*R, 2)
    probs = probabilities(predict_logits(model, grid, owner))
    return xx, yy, probs.reshape(resolution, resolution, *probs.shape[1:])


def predict_logits(model: Any, points: np.ndarray, owner: str) -> np.ndarray:
    """The model's logits for ``points`` (M, 2): shape (M,) for one output, (M, K) for K."""
    outputs = []
    with evaluating(model), no_grad():
        for start in range(0, len(points), _CHUNK):
            chunk = points[start : start + _CHUNK]
            outputs.append(_logits(as_array(model(Tensor(chunk))), len(chunk), owner))
    return np.concatenate(outputs)


def _logits(output: np.ndarray, count: int, owner: str) -> np.ndarray:
    if output.ndim == 1 and len(output) == count:
        return output
    if output.ndim == 2 and output.shape[0] == count:
        return output[:, 0] if output.shape[1] == 1 else output
    raise ShapeError(
        f"{owner}: for a batch of {count} points of shape ({count}, 2) the model returned shape "
        f"{output.shape}; expected logits of shape ({count},) or ({count}, 1) for a binary "
        f"classifier, or ({count}, K) for K classes."
    )


def probabilities(logits: np.ndarray) -> np.ndarray:
    """σ(z) for binary logits (M,), softmax over the last axis for (M, K); dtype kept.

    σ(z) is computed as (1 + tanh(z/2)) / 2, which equals 1 / (1 + e^-z) but never overflows;
    softmax subtracts the row maximum first for the same reason.
    """
    if logits.ndim == 1:
        return 0.5 * (1.0 + np.tanh(0.5 * logits))
    exp = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return exp / exp.sum(axis=-1, keepdims=True)


# ----------------------------------------------------------------------------- checking inputs
def _points(X: Any, owner: str) -> np.ndarray:
    points = as_array(X)
    if points.ndim != 2 or points.shape[1] != 2 or len(points) == 0:
        raise ShapeError(
            f"{owner}: X must hold points in the plane, shape (N, 2) with N >= 1; received shape "
            f"{points.shape}. help: a decision boundary can only be drawn in 2-D; for more "
            "features, project the data onto two of them (or two principal components) first."
        )
    if points.dtype.kind not in "iuf":
        raise TypeError(f"{owner}: X must be numeric; received dtype {points.dtype}.")
    return points.astype(np.float64)  # for placing and drawing only; the model gets its dtype


def class_labels(y: Any, count: int, owner: str) -> np.ndarray:
    """``y`` as int64 class indices of shape (N,); accepts (N,) or (N, 1), ints or whole floats."""
    labels = as_array(y)
    if labels.ndim == 2 and labels.shape[1] == 1:
        labels = labels[:, 0]
    if labels.ndim != 1 or len(labels) != count:
        hint = ""
        if labels.ndim == 2 and labels.shape[0] == count:
            hint = " help: y looks one-hot; pass the class indices y.argmax(axis=1)."
        raise ShapeError(
            f"{owner}: y must hold one class label per point, shape ({count},) or ({count}, 1); "
            f"received shape {labels.shape}.{hint}"
        )
    if labels.dtype.kind == "f":
        if not np.array_equal(labels, np.rint(labels)):
            raise ValueError(
                f"{owner}: y must hold class labels 0, 1, ...; received non-whole values such "
                f"as {labels[labels != np.rint(labels)][0]!r}."
            )
    elif labels.dtype.kind not in "iub":
        raise TypeError(f"{owner}: y must hold class labels; received dtype {labels.dtype}.")
    labels = labels.astype(np.int64)
    if labels.min() < 0:
        raise ValueError(f"{owner}: class labels must be >= 0; received {labels.min()}.")
    return labels


def check_label_range(labels: np.ndarray, probs: np.ndarray, owner: str) -> None:
    classes = 2 if probs.ndim == 2 else probs.shape[-1]
    if labels.max() >= classes:
        kind = "one output (a binary classifier)" if probs.ndim == 2 else f"{classes} outputs"
        raise ValueError(
            f"{owner}: y has class {labels.max()}, but the model has {kind}, so it only knows "
            f"classes 0 to {classes - 1}."
        )


# ----------------------------------------------------------------------------- the drawing
def _lighten(hex_color: str, amount: float) -> np.ndarray:
    """The colour mixed with white: amount 0 is white, 1 the colour itself."""
    from matplotlib.colors import to_rgb

    return 1.0 - amount * (1.0 - np.array(to_rgb(hex_color)))


def binary_colormap() -> Any:
    """Blue (p = 0) to white (p = 0.5) to orange (p = 1), pale enough for points on top."""
    from matplotlib.colors import LinearSegmentedColormap

    stops = [_lighten(PALETTE[0], _BACKGROUND), (1.0, 1.0, 1.0), _lighten(PALETTE[1], _BACKGROUND)]
    return LinearSegmentedColormap.from_list("scratchdl_binary", stops)


def not_a_number(probs: np.ndarray) -> np.ndarray:
    """(R, R) mask of the grid points where the model's output is NaN (a diverged network)."""
    return np.isnan(probs) if probs.ndim == 2 else np.isnan(probs).any(axis=-1)


def shade(probs: np.ndarray) -> np.ndarray:
    """The background image (R, R, 3) in RGB for a probability grid from ``decision_grid``.

    Points where the model outputs NaN are drawn in ``_NAN_GREY``, not in any class colour.
    """
    undefined = not_a_number(probs)
    if probs.ndim == 2:
        image = binary_colormap()(np.where(undefined, 0.5, probs))[..., :3]
    else:
        classes = probs.shape[-1]
        from matplotlib.colors import to_rgb

        safe = np.where(undefined[..., None], 1.0 / classes, probs)
        base = np.array([to_rgb(color(k)) for k in range(classes)])[safe.argmax(axis=-1)]
        # Confidence 0 when max p = 1/K (a coin toss), 1 when max p = 1.
        confidence = (safe.max(axis=-1) - 1.0 / classes) / (1.0 - 1.0 / classes)
        strength = _BACKGROUND * (0.25 + 0.75 * np.clip(confidence, 0.0, 1.0))
        image = 1.0 - strength[..., None] * (1.0 - base)
    image[undefined] = _NAN_GREY
    return image


def extent(xx: np.ndarray, yy: np.ndarray) -> tuple[float, float, float, float]:
    """imshow's extent that puts each pixel's centre on its grid point."""
    half_x = (xx[0, -1] - xx[0, 0]) / (2 * (xx.shape[1] - 1))
    half_y = (yy[-1, 0] - yy[0, 0]) / (2 * (yy.shape[0] - 1))
    return (
        float(xx[0, 0] - half_x),
        float(xx[0, -1] + half_x),
        float(yy[0, 0] - half_y),
        float(yy[-1, 0] + half_y),
    )


def draw_background(ax: Axes, xx: np.ndarray, yy: np.ndarray, probs: np.ndarray) -> Any:
    """The shaded probabilities as an image artist (``set_data(shade(p))`` updates it)."""
    return ax.imshow(
        shade(probs),
        extent=extent(xx, yy),
        origin="lower",
        interpolation="bilinear",
        aspect="auto",
        zorder=0,
    )


def draw_boundaries(ax: Axes, xx: np.ndarray, yy: np.ndarray, probs: np.ndarray) -> list:
    """Lines where the prediction changes; returns the contour sets (to remove them later)."""
    if probs.ndim == 2:
        fields = [probs - 0.5]
    else:
        # Class k wins where p_k - max_{j≠k} p_j > 0: the zero line of that smooth difference is
        # the edge of k's region (a shared edge is drawn twice, on the same line).
        fields = []
        for k in np.unique(probs.argmax(axis=-1)):
            others = np.delete(probs, k, axis=-1).max(axis=-1)
            fields.append(probs[..., k] - others)
    contours = []
    for field in fields:
        defined = field[np.isfinite(field)]  # NaN where a diverged model has no answer
        if defined.size and defined.min() < 0.0 < defined.max():  # else contour would only warn
            field = np.ma.masked_invalid(field)
            contours.append(
                ax.contour(xx, yy, field, levels=[0.0], colors="black", linewidths=1.0, zorder=1)
            )
    return contours


def scatter_classes(ax: Axes, points: np.ndarray, labels: np.ndarray) -> None:
    """The data, one colour per true class, with a legend entry each."""
    size = float(np.clip(4000.0 / len(points), 6.0, 36.0))  # smaller dots for more points
    for label in np.unique(labels):
        mine = labels == label
        ax.scatter(
            points[mine, 0],
            points[mine, 1],
            s=size,
            color=color(int(label)),
            edgecolors="black",
            linewidths=0.4,
            label=f"class {label}",
            zorder=2,
        )


def plot_decision_boundary(
    model: Any,
    X: Any,
    y: Any,
    *,
    ax: Axes | None = None,
    resolution: int = 200,
    title: str | None = None,
    path: str | os.PathLike | None = None,
    margin: float = 0.5,
    colorbar: bool = True,
) -> Figure:
    """Draw the model's decision regions over the data ``X`` coloured by class ``y``.

    Parameters
    ----------
    model : nn.Module or callable
        Maps points (M, 2) to logits: (M,) or (M, 1) for a binary classifier (shaded by
        p = σ(z), with the boundary p = 0.5), (M, K) for K classes (regions of argmax softmax(z),
        shaded by the winning probability). Runs in eval mode, without a graph; its mode is
        restored.
    X : Tensor or array of shape (N, 2)
    y : Tensor or array of shape (N,) or (N, 1)
        Class labels (ints, or floats holding whole numbers such as 0.0 and 1.0).
    ax : matplotlib Axes, optional
        Draw into it (its figure is returned and saved); default: a new 5 x 4 inch figure.
    resolution : int
        Grid points per axis.
    title : str, optional
    path : str or path-like, optional
        Save the figure there (png, or svg/pdf by suffix), atomically.
    margin : float
        Room around the data, in the data's units.
    colorbar : bool
        Show the probability scale (binary models only).

    Returns
    -------
    matplotlib.figure.Figure
    """
    owner = "plot_decision_boundary"
    points = _points(X, owner)
    labels = class_labels(y, len(points), owner)
    xx, yy, probs = _grid(model, points, resolution, margin, owner)
    check_label_range(labels, probs, owner)
    if ax is None:
        fig = new_figure()
        ax = fig.add_subplot()
    else:
        fig = ax.figure.figure  # the root figure, also when ax sits in a subfigure
    draw_background(ax, xx, yy, probs)
    draw_boundaries(ax, xx, yy, probs)
    scatter_classes(ax, points, labels)
    if not_a_number(probs).all():
        ax.text(
            0.5,
            0.5,
            "the model outputs NaN\neverywhere (diverged)",
            ha="center",
            va="center",
            transform=ax.transAxes,
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "none"},
            zorder=3,
        )
    if colorbar and probs.ndim == 2:
        from matplotlib.cm import ScalarMappable
        from matplotlib.colors import Normalize

        scale = ScalarMappable(norm=Normalize(0.0, 1.0), cmap=binary_colormap())
        fig.colorbar(scale, ax=ax, label="P(class 1)")
    ax.set_xlabel("x₁")
    ax.set_ylabel("x₂")
    ax.set_title(title if title is not None else "Decision boundary")
    ax.legend(loc="upper right", fontsize="small", framealpha=0.8)
    return finish(fig, path)

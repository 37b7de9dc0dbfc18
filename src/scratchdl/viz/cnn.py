"""What a convolutional network sees: its filters, its feature maps, and where it looks.

* ``plot_filters``: the first layer's kernels as small images. After training on natural images
  they become edge and colour-blob detectors (Krizhevsky et al., 2012, figure 3).
* ``feature_maps`` / ``plot_feature_maps``: the output of every convolution layer for one input,
  caught by forward hooks; the early ones keep the image's shape, later ones get abstract.
* ``saliency_map`` / ``plot_saliency``: |∂z_c / ∂x|, how much each input pixel moves the logit z_c
  of a class c (Simonyan, Vedaldi & Zisserman, 2014, "Deep inside convolutional networks"). One
  backward pass from the logit to the input gives it; for colour images the maximum over the
  channels is shown.

A convolution layer is recognised by its ``weight`` of shape (out, in, k) or (out, in, kh, kw),
so ``nn.Conv1d``/``nn.Conv2d`` and home-made layers are found alike.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

import numpy as np

from scratchdl.autograd.engine import grad as autograd_grad
from scratchdl.autograd.grad_mode import enable_grad, no_grad
from scratchdl.errors import ShapeError
from scratchdl.tensor import Tensor
from scratchdl.viz._figure import color, finish, grid_shape, new_figure
from scratchdl.viz._model import (
    as_array,
    check_callable,
    conv_modules,
    evaluating,
    model_dtype,
    model_input,
)

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure


def _normalise(values: np.ndarray) -> np.ndarray:
    """Min-max scaling to [0, 1] (all 0.5 when the values are all equal)."""
    low, high = values.min(), values.max()
    if high == low:
        return np.full_like(values, 0.5, dtype=np.float64)
    return (values - low) / (high - low)


def _bare(ax: Axes) -> None:
    ax.set_xticks([])
    ax.set_yticks([])


# ----------------------------------------------------------------------------- filters
def conv_weight(weight_or_layer: Any, owner: str) -> np.ndarray:
    """The weight array of a conv layer, a Tensor or an ndarray; 3-D or 4-D, else an error."""
    weight = getattr(weight_or_layer, "weight", weight_or_layer)
    if isinstance(weight, Tensor):
        weight = weight.data
    elif not isinstance(weight, np.ndarray):
        raise TypeError(
            f"{owner}: expected a convolution layer (a module with .weight), a Tensor or an "
            f"ndarray; received {type(weight_or_layer).__name__}."
        )
    if weight.ndim not in (3, 4):
        hint = " (a Linear layer's weight?)" if weight.ndim == 2 else ""
        raise ShapeError(
            f"{owner}: expected a convolution weight of shape (out, in, kh, kw) (Conv2d) or "
            f"(out, in, k) (Conv1d); received shape {weight.shape}{hint}. help: pass the first "
            "convolution layer, e.g. model.conv1 or model[0]."
        )
    return weight


def plot_filters(
    weight_or_layer: Any,
    *,
    path: str | os.PathLike | None = None,
    max_filters: int = 64,
    title: str | None = None,
) -> Figure:
    """A grid of convolution filters, one panel per output channel.

    Conv2d weights (out, in, kh, kw) are drawn as images: in colour when in = 3 (the RGB
    channels of a first layer), grey when in = 1, and as the mean over the input channels
    otherwise. Each filter is min-max scaled on its own, so its pattern shows whatever its size.
    Conv1d weights (out, in, k) are drawn as small line plots, one line per input channel (the
    mean when there are more than four).

    Parameters
    ----------
    weight_or_layer : conv module, Tensor or ndarray
    max_filters : int
        Draw at most this many (the first ones).
    """
    weight = conv_weight(weight_or_layer, "plot_filters")
    if isinstance(max_filters, bool) or not isinstance(max_filters, (int, np.integer)):
        raise TypeError(f"plot_filters: max_filters must be an int; received {max_filters!r}.")
    if max_filters < 1:
        raise ValueError(f"plot_filters: max_filters must be >= 1; received {max_filters}.")
    total = weight.shape[0]
    filters = np.asarray(weight[:max_filters], dtype=np.float64)
    count, in_channels = filters.shape[:2]
    rows, columns = grid_shape(count, int(np.ceil(np.sqrt(count))))
    cell = min(0.9, 7.0 / columns)
    fig = new_figure(size=(columns * cell + 0.4, rows * cell + 0.7))
    axes = fig.subplots(rows, columns, squeeze=False).ravel()
    for index, ax in enumerate(axes):
        _bare(ax)
        if index >= count:
            ax.set_visible(False)
            continue
        kernel = filters[index]
        if kernel.ndim == 3:  # (in, kh, kw)
            if in_channels == 3:
                ax.imshow(_normalise(kernel.transpose(1, 2, 0)), interpolation="nearest")
            else:
                image = _normalise(kernel.mean(axis=0))
                ax.imshow(image, cmap="gray", vmin=0, vmax=1, interpolation="nearest")
        else:  # (in, k): a 1-D kernel per input channel
            lines = kernel if in_channels <= 4 else kernel.mean(axis=0, keepdims=True)
            for channel, line in enumerate(lines):
                ax.plot(line, color=color(channel), linewidth=1.0)
            ax.axhline(0.0, color="gray", linewidth=0.5)
    if title is None:
        kind = "Conv2d" if weight.ndim == 4 else "Conv1d"
        shown = f"{count} of {total}" if count < total else f"{total}"
        title = f"{kind} filters ({shown}, {in_channels} input channel{'s' * (in_channels > 1)})"
        if weight.ndim == 4 and in_channels not in (1, 3):
            title += "\nmean over input channels"
    fig.suptitle(title, fontsize="medium")
    return finish(fig, path)


# ----------------------------------------------------------------------------- one input
def one_input(model: Any, x: Any, owner: str) -> np.ndarray:
    """``x`` as a batch of one, the shape the model expects (the batch axis added if needed).

    With convolutions the first layer's weight tells the expected rank: a Conv2d weight (4-D)
    takes (N, C, H, W), so x may be (C, H, W) or (1, C, H, W). Without, x of rank 1 or with a
    first axis longer than 1 gets a batch axis; (1, ...) is taken as already batched.
    """
    array = as_array(x)
    convs = conv_modules(model)
    if convs:
        batched_ndim = convs[0][1].weight.ndim
        if array.ndim == batched_ndim - 1:
            array = array[None]
        elif array.ndim != batched_ndim:
            layout = "(C, H, W)" if batched_ndim == 4 else "(C, L)"
            raise ShapeError(
                f"{owner}: the model's first convolution ({convs[0][0]!r}) takes inputs "
                f"{layout} per example; received x of shape {array.shape}."
            )
    elif array.ndim == 1 or array.shape[0] != 1:
        array = array[None]
    if array.shape[0] != 1:
        raise ShapeError(
            f"{owner}: expects ONE input; received a batch of {array.shape[0]} (shape "
            f"{array.shape}). help: pass x[0], or x[i:i + 1]."
        )
    return array


def feature_maps(model: Any, x: Any) -> dict[str, np.ndarray]:
    """The output of every convolution layer for one input ``x``, by layer name.

    ``x`` is one example, (C, H, W) or (1, C, H, W) for Conv2d models, (C, L) or (1, C, L) for
    Conv1d ones. The model runs once in eval mode without a graph (its mode is restored); forward
    hooks keep each convolution's output without its batch axis: (C_out, H_out, W_out) or
    (C_out, L_out). A layer called more than once keeps its first output.
    """
    check_callable(model, "feature_maps")
    convs = conv_modules(model)
    if not convs:
        raise ValueError(
            f"feature_maps: {type(model).__name__} has no convolution layers (modules whose "
            "weight has shape (out, in, k) or (out, in, kh, kw))."
        )
    batch = model_input(one_input(model, x, "feature_maps"), model)
    maps: dict[str, np.ndarray] = {}

    def make_hook(name: str):
        def hook(module, inputs, output):
            if name not in maps:
                maps[name] = as_array(output)[0].copy()

        return hook

    handles = [module.register_forward_hook(make_hook(name)) for name, module in convs]
    try:
        with evaluating(model), no_grad():
            model(batch)
    finally:
        for handle in handles:
            handle.remove()
    return {name: maps[name] for name, _ in convs if name in maps}


def plot_feature_maps(
    model: Any,
    x: Any,
    *,
    path: str | os.PathLike | None = None,
    max_channels: int = 16,
    title: str | None = None,
) -> Figure:
    """One row per convolution layer: its first ``max_channels`` output channels for ``x``."""
    if isinstance(max_channels, bool) or not isinstance(max_channels, (int, np.integer)):
        raise TypeError(f"plot_feature_maps: max_channels must be an int; got {max_channels!r}.")
    if max_channels < 1:
        raise ValueError(f"plot_feature_maps: max_channels must be >= 1; got {max_channels}.")
    maps = feature_maps(model, x)
    columns = min(max_channels, max(m.shape[0] for m in maps.values()))
    cell = min(0.9, 12.0 / columns)
    fig = new_figure(size=(columns * cell + 0.8, len(maps) * cell + 0.7))
    axes = fig.subplots(len(maps), columns, squeeze=False)
    for row, (name, layer_maps) in enumerate(maps.items()):
        for column in range(columns):
            ax = axes[row, column]
            _bare(ax)
            if column >= layer_maps.shape[0]:
                ax.set_visible(False)
                continue
            channel = np.asarray(layer_maps[column], dtype=np.float64)
            if channel.ndim == 2:
                ax.imshow(channel, cmap="viridis", interpolation="nearest")
            else:
                ax.plot(channel, color=color(0), linewidth=0.8)
        axes[row, 0].set_ylabel(f"{name}\n{layer_maps.shape[0]} ch", fontsize="x-small")
    fig.suptitle(title if title is not None else "Feature maps", fontsize="medium")
    return finish(fig, path)


# ----------------------------------------------------------------------------- saliency
def _saliency(model: Any, x: Any, target: int | None) -> tuple[np.ndarray, int, np.ndarray, str]:
    """(saliency map, the class used, the example without its batch axis, its layout)."""
    owner = "saliency_map"
    check_callable(model, owner)
    if target is not None and (
        isinstance(target, bool) or not isinstance(target, (int, np.integer))
    ):
        raise TypeError(f"{owner}: target must be a class index (int) or None; got {target!r}.")
    batch = one_input(model, x, owner)
    inputs = Tensor(batch.astype(model_dtype(model)), requires_grad=True)
    with evaluating(model), enable_grad():
        logits = model(inputs)
        if not isinstance(logits, Tensor) or logits.ndim > 2 or logits.shape[0] != 1:
            shape = getattr(logits, "shape", None)
            raise ShapeError(
                f"{owner}: the model must return logits of shape (1, K), (1, 1) or (1,) for one "
                f"input; it returned {type(logits).__name__} of shape {shape}."
            )
        classes = logits.shape[1] if logits.ndim == 2 else 1
        if classes == 1:  # binary: one logit z, the evidence for class 1 (class 0's is -z)
            chosen = 1 if target is None else int(target)
            if chosen not in (0, 1):
                raise ValueError(f"{owner}: a binary model has classes 0 and 1; got {target}.")
            score = logits.sum()  # the only element, as a scalar
        else:
            chosen = int(logits.data[0].argmax()) if target is None else int(target)
            if not 0 <= chosen < classes:
                raise ValueError(
                    f"{owner}: target={target} is not a class of this model (0 to {classes - 1})."
                )
            score = logits[0, chosen]
        if not score.requires_grad:
            raise ValueError(f"{owner}: the model's output does not depend on its input.")
        (gradient,) = autograd_grad(score, inputs, allow_unused=True)
    if gradient is None:
        raise ValueError(f"{owner}: the model's output does not depend on its input.")
    saliency = np.abs(gradient.data[0])
    convs = conv_modules(model)
    if saliency.ndim == 3:
        layout = "image"  # (C, H, W)
    elif saliency.ndim == 2 and convs and convs[0][1].weight.ndim == 3:
        layout = "sequence"  # (C, L)
    else:
        layout = "plain"
    if layout != "plain":
        saliency = saliency.max(axis=0)  # a pixel counts as much as its strongest channel
    return saliency, chosen, batch[0], layout


def saliency_map(model: Any, x: Any, target: int | None = None) -> np.ndarray:
    """|∂z_target / ∂x| for one input: which parts of x the chosen logit is most sensitive to.

    Parameters
    ----------
    model : nn.Module or callable
        Returns logits (1, K) for one example (or (1, 1)/(1,) for a binary classifier). Runs in
        eval mode, its mode restored; parameters' ``.grad`` is left untouched.
    x : Tensor or array
        One example, with or without its batch axis of 1: (C, H, W) for images, (C, L) for
        sequences, (D,) for feature vectors.
    target : int, optional
        The class whose logit is differentiated (default: the predicted class, argmax z; for a
        binary model its single logit).

    Returns
    -------
    ndarray
        Shaped like the example, except that for images (C, H, W) and Conv1d inputs (C, L) the
        channel axis is reduced by its maximum: (H, W) or (L,).
    """
    return _saliency(model, x, target)[0]


def _show_input(ax: Axes, example: np.ndarray, layout: str) -> None:
    example = np.asarray(example, dtype=np.float64)
    if layout == "image" and example.shape[0] == 3:
        ax.imshow(_normalise(example.transpose(1, 2, 0)), interpolation="nearest")
    elif layout == "image" or example.ndim == 2:  # grey: one channel, the mean of several
        image = example.mean(axis=0) if example.ndim == 3 else example
        ax.imshow(image, cmap="gray", interpolation="nearest")
    elif layout == "sequence":  # (C, L): one line per channel
        for channel, line in enumerate(example):
            ax.plot(line, color=color(channel), linewidth=1.0)
    else:
        ax.plot(example.ravel(), color=color(0), linewidth=1.0)


def plot_saliency(
    model: Any,
    x: Any,
    target: int | None = None,
    *,
    path: str | os.PathLike | None = None,
    title: str | None = None,
) -> Figure:
    """The input beside its saliency map |∂z_target / ∂x| (see ``saliency_map``)."""
    saliency, chosen, example, layout = _saliency(model, x, target)
    fig = new_figure(size=(7.0, 3.4))
    input_ax, saliency_ax = fig.subplots(1, 2)
    _show_input(input_ax, example, layout)
    input_ax.set_title("input")
    if saliency.ndim == 2:
        picture = saliency_ax.imshow(saliency, cmap="magma", interpolation="nearest")
        fig.colorbar(picture, ax=saliency_ax, label="|∂z/∂x|")
        _bare(input_ax)
        _bare(saliency_ax)
    else:
        saliency_ax.bar(np.arange(len(saliency)), saliency, color=color(5), width=1.0)
        saliency_ax.set_xlabel("input position")
        saliency_ax.set_ylabel("|∂z/∂x|")
    saliency_ax.set_title(f"saliency for class {chosen}")
    if title is not None:
        fig.suptitle(title)
    return finish(fig, path)

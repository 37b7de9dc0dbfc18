"""How signals and gradients travel through the layers: gradient flow and per-layer histograms.

Backpropagation multiplies the gradient by each layer's local derivative on its way down. For
σ(z) that factor is σ'(z) = σ(z)(1 - σ(z)) <= 1/4, so after L sigmoid layers the gradient reaching
the first layer is scaled by at most (1/4)^L times the weights' norms: the vanishing gradient.
``plot_gradient_flow`` shows it as one line per layer (||dL/dW||₂ over training, log scale), the
early layers' lines far below the late ones. ``plot_layer_histograms`` shows it inside one batch:
the distribution of each layer's outputs and of the gradient dL/d(output) arriving at them. Even
sigmoids that are not saturated (outputs near 0.5, where the slope is at its largest, 1/4) shrink
that gradient about four-fold per layer; saturated ones (outputs piled up at 0 and 1, slope near
0) shrink it far more. With ``share_x=True`` the gradient row narrows to a spike layer by layer.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

import numpy as np

from scratchdl.autograd.engine import grad as autograd_grad
from scratchdl.autograd.grad_mode import enable_grad, no_grad
from scratchdl.tensor import Tensor
from scratchdl.viz._figure import color, finish, new_figure
from scratchdl.viz._model import as_array, check_callable, conv_weight_ndim, model_input

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_ACTIVATIONS_MODULE = "scratchdl.nn.layers.activation"


# ----------------------------------------------------------------------------- gradient flow
def _norm_series(norms: Any) -> tuple[dict[str, list[float]], str]:
    """The per-layer series and the unit of their x axis ("epoch" or "step")."""
    epoch_norms = getattr(norms, "epoch_norms", None)
    if isinstance(epoch_norms, Mapping) and any(len(v) for v in epoch_norms.values()):
        return {k: list(v) for k, v in epoch_norms.items()}, "epoch"
    step_norms = getattr(norms, "norms", None)
    if isinstance(step_norms, Mapping):
        return {k: list(v) for k, v in step_norms.items()}, "step"
    if isinstance(norms, Mapping):
        return {str(k): [float(x) for x in as_array(v).ravel()] for k, v in norms.items()}, "epoch"
    raise TypeError(
        "plot_gradient_flow: expected a GradientNormLogger (scratchdl.train.callbacks) or a dict "
        f"of parameter name -> list of norms; received {type(norms).__name__}."
    )


def plot_gradient_flow(
    norms: Any,
    *,
    path: str | os.PathLike | None = None,
    title: str | None = None,
    logy: bool = True,
    weights_only: bool = True,
    xlabel: str | None = None,
) -> Figure:
    """Gradient norms per layer over training (left) and the final norm per layer (right).

    Parameters
    ----------
    norms : GradientNormLogger or dict of name -> list of float
        A logger passed to ``fit`` (its per-epoch means are drawn, or its per-step norms when no
        epoch has ended), or a dict of parameter name -> norms, in the order of depth.
    logy : bool
        Logarithmic y axes: gradients that vanish shrink by factors, so a log scale shows them.
    weights_only : bool
        Keep only parameters whose name ends in ``weight`` (biases follow the same trend and
        double the lines); when no name does, everything is kept.
    xlabel : str, optional
        The x axis label (default "epoch" or "step", from the data).
    """
    series, unit = _norm_series(norms)
    series = {name: values for name, values in series.items() if len(values)}
    if weights_only and any(name.rsplit(".", 1)[-1] == "weight" for name in series):
        series = {k: v for k, v in series.items() if k.rsplit(".", 1)[-1] == "weight"}
    if not series:
        raise ValueError(
            "plot_gradient_flow: no gradient norms were recorded. help: pass the logger to "
            "fit(..., callbacks=[logger]) and train at least one step first."
        )
    from matplotlib import colormaps

    depth_colors = colormaps["viridis"](np.linspace(0.0, 0.9, len(series)))  # dark = first layer
    fig = new_figure(size=(9.0, 3.8))
    lines_ax, bars_ax = fig.subplots(1, 2, width_ratios=[1.4, 1.0])
    finals = []
    for index, (name, values) in enumerate(series.items()):
        ys = np.asarray(values, dtype=np.float64)
        if logy:  # a zero norm has no place on a log axis: leave a gap rather than fail
            ys = np.where(ys > 0, ys, np.nan)
        xs = np.arange(1, len(ys) + 1)
        lines_ax.plot(xs, ys, color=depth_colors[index], label=name, linewidth=1.4)
        finals.append(values[-1])
    if logy:
        lines_ax.set_yscale("log")
        bars_ax.set_yscale("log")
    lines_ax.set_xlabel(xlabel if xlabel is not None else unit)
    lines_ax.xaxis.get_major_locator().set_params(integer=True)  # epochs and steps are whole
    lines_ax.set_ylabel("gradient norm ||dL/dW||₂")
    lines_ax.set_title("Gradient norm per layer")
    lines_ax.grid(alpha=0.3, which="both" if logy else "major")
    if len(series) <= 12:
        lines_ax.legend(fontsize="x-small", title="first to last", title_fontsize="x-small")
    labels = [name.removesuffix(".weight") for name in series]
    bars_ax.bar(range(len(finals)), finals, color=depth_colors, edgecolor="black")
    bars_ax.set_xticks(range(len(finals)), labels, rotation=45 if len(finals) > 4 else 0)
    bars_ax.set_xlabel("layer (input side → output side)")
    bars_ax.set_ylabel("final gradient norm")
    bars_ax.set_title("Last value per layer")
    bars_ax.grid(axis="y", alpha=0.3)
    if title is not None:
        fig.suptitle(title)
    return finish(fig, path)


# ----------------------------------------------------------------------------- per-layer values
def is_watched_layer(module: Any) -> bool:
    """True for the layers whose outputs ``layer_statistics`` records by default.

    Linear and convolution layers (a 2-D, 3-D or 4-D ``weight``, no children) and the activation
    layers of ``scratchdl.nn`` (ReLU, Sigmoid, Tanh, ...).
    """
    if getattr(module, "_modules", None):
        return False  # a container: its children are recorded instead
    if type(module).__module__ == _ACTIVATIONS_MODULE:
        return True
    if conv_weight_ndim(module) is not None:
        return True
    return type(module).__name__ == "Linear"


def layer_statistics(
    model: Any,
    x: Any,
    y: Any = None,
    loss_fn: Callable | None = None,
    *,
    include: Callable[[str, Any], bool] | None = None,
) -> dict[str, dict[str, Any]]:
    """Each layer's output for the batch ``x`` and, with ``y`` and ``loss_fn``, dL/d(output).

    Forward hooks on the layers catch their outputs during one forward pass. The gradients are
    computed with ``scratchdl.autograd.grad`` with respect to those outputs, so the parameters'
    ``.grad`` is left untouched. The model keeps its current mode (call ``model.eval()`` first
    to see it without dropout).

    Parameters
    ----------
    model : nn.Module
    x : Tensor or array
        One batch of inputs (floating data is cast to the model's dtype).
    y, loss_fn : optional
        Targets and a function ``loss_fn(output, y)``; give both to get gradients.
    include : callable(name, module) -> bool, optional
        Which modules to record (default ``is_watched_layer``: Linear, convolution and
        activation layers).

    Returns
    -------
    dict
        ``{layer name: {"activation": ndarray, "gradient": ndarray or None, "module": class
        name}}`` in the order the layers ran; a layer called twice appears again as
        ``"name (call 2)"``. ``"gradient"`` is None without a loss, or where the loss does not
        depend on that output.
    """
    owner = "layer_statistics"
    check_callable(model, owner)
    if (y is None) != (loss_fn is None):
        raise ValueError(
            f"{owner}: gradients need both the targets y and a loss_fn(output, y); received "
            f"y={'None' if y is None else 'given'}, loss_fn={loss_fn!r}. Give both, or neither "
            "for activations only."
        )
    named_modules = getattr(model, "named_modules", None)
    if named_modules is None:
        raise TypeError(f"{owner}: model must be an nn.Module; received {type(model).__name__}.")
    choose = include if include is not None else (lambda name, module: is_watched_layer(module))
    chosen = [(name, module) for name, module in named_modules() if choose(name, module)]
    if not chosen:
        raise ValueError(
            f"{owner}: {type(model).__name__} has no layers to record (no Linear, convolution or "
            "activation layers). help: pass include=lambda name, module: ... to choose them."
        )
    recorded: list[tuple[str, Any, Tensor]] = []
    calls: dict[str, int] = {}

    def make_hook(name: str) -> Callable:
        def hook(module, inputs, output):
            calls[name] = calls.get(name, 0) + 1
            key = name if calls[name] == 1 else f"{name} (call {calls[name]})"
            recorded.append((key, module, output))

        return hook

    handles = [module.register_forward_hook(make_hook(name)) for name, module in chosen]
    inputs = model_input(x, model)
    try:
        with enable_grad() if loss_fn is not None else no_grad():
            output = model(inputs)
            loss = loss_fn(output, model_input(y, model)) if loss_fn is not None else None
    finally:
        for handle in handles:
            handle.remove()
    gradients: dict[int, Any] = {}
    if loss is not None:
        targets = [t for _, _, t in recorded if isinstance(t, Tensor) and t.requires_grad]
        if targets and loss.requires_grad:
            found = autograd_grad(loss, targets, allow_unused=True)
            gradients = {id(t): g for t, g in zip(targets, found)}
    return {
        key: {
            "activation": as_array(out).copy(),
            "gradient": None if gradients.get(id(out)) is None else gradients[id(out)].data.copy(),
            "module": type(module).__name__,
        }
        for key, module, out in recorded
    }


def plot_layer_histograms(
    model: Any,
    x: Any,
    y: Any = None,
    loss_fn: Callable | None = None,
    *,
    path: str | os.PathLike | None = None,
    bins: int = 50,
    title: str | None = None,
    include: Callable[[str, Any], bool] | None = None,
    share_x: bool = False,
) -> Figure:
    """Per layer, a histogram of its outputs (top row) and of their gradients (bottom row).

    Arguments as ``layer_statistics`` (``include`` picks the layers: in a deep net, the
    activation layers alone keep the figure readable); the gradient row appears when ``y`` and
    ``loss_fn`` are given. Each panel notes the mean and standard deviation.

    ``share_x=True`` gives every panel of a row the same value range, so a distribution that
    shrinks from layer to layer shows as a narrowing spike: vanishing gradients at a glance.
    By default each panel fits its own values.
    """
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        raise ValueError(f"plot_layer_histograms: bins must be an integer >= 1; received {bins!r}.")
    stats = layer_statistics(model, x, y, loss_fn, include=include)
    with_gradients = any(entry["gradient"] is not None for entry in stats.values())
    rows, columns = (2 if with_gradients else 1), len(stats)
    fig = new_figure(size=(min(2.3 * columns + 0.6, 20.0), 2.3 * rows + 0.5))
    axes = fig.subplots(rows, columns, squeeze=False)
    panels = [("activation", "output", color(0))]
    if with_gradients:
        panels.append(("gradient", "gradient", color(5)))
    ranges = [_row_range(stats, key) if share_x else None for key, _, _ in panels]
    for column, (name, entry) in enumerate(stats.items()):
        for row, (key, what, shade) in enumerate(panels):
            ax = axes[row, column]
            values = entry[key]
            if values is None:
                ax.text(0.5, 0.5, "no gradient", ha="center", va="center", transform=ax.transAxes)
                ax.set_xticks([])
                ax.set_yticks([])
            else:
                values = np.asarray(values, dtype=np.float64).ravel()
                values = values[np.isfinite(values)]
                ax.hist(values, bins=bins, range=ranges[row], color=shade, edgecolor="none")
                ax.text(
                    0.98,
                    0.95,
                    f"μ={values.mean():.2g}\nσ={values.std():.2g}" if len(values) else "empty",
                    ha="right",
                    va="top",
                    fontsize="x-small",
                    transform=ax.transAxes,
                )
                ax.tick_params(labelsize="x-small")
            ax.set_title(f"{name}: {entry['module']}\n{what}", fontsize="small")
        axes[0, column].set_xlabel("value", fontsize="x-small")
    axes[0, 0].set_ylabel("count")
    if with_gradients:
        axes[1, 0].set_ylabel("count")
    if title is not None:
        fig.suptitle(title)
    return finish(fig, path)


def _row_range(stats: dict[str, dict[str, Any]], key: str) -> tuple[float, float] | None:
    """The (low, high) of every finite value of ``key`` over all layers (None when none)."""
    arrays = [
        np.asarray(e[key], dtype=np.float64).ravel() for e in stats.values() if e[key] is not None
    ]
    values = np.concatenate(arrays) if arrays else np.zeros(0)
    values = values[np.isfinite(values)]
    if not len(values):
        return None
    low, high = float(values.min()), float(values.max())
    return (low, high) if high > low else (low - 0.5, high + 0.5)

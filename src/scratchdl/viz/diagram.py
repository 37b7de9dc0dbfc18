"""Pictures of structure: a model's layers as boxes and arrows, and the autograd graph as DOT.

``plot_model_diagram`` draws a network the way a textbook does: one box per layer, top to bottom,
each with its widths (Linear 2 → 32), the activation that follows it, and, given an input size,
the shape of what comes out.

``autograd_graph`` writes the graph that ``backward()`` walks, in Graphviz's DOT language: one
node per op (the ``Function`` that made a tensor, named by its class: Mul, Add, MatMul, ...), one
per leaf tensor (its shape, and whether it requires grad), and one edge per op input, pointing
from the input to the op, and from the last op to the output. Every op tensor stores its op in
``grad_fn``, and every op keeps its inputs in ``inputs``: following them from the output back to
the leaves visits the whole graph (with an explicit stack, so deep graphs need no recursion).
``render_dot`` turns the text into an image when Graphviz's ``dot`` program is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from scratchdl.autograd.grad_mode import no_grad
from scratchdl.errors import GradientError
from scratchdl.tensor import Tensor
from scratchdl.viz._figure import finish, new_figure
from scratchdl.viz._model import conv_weight_ndim, evaluating, model_dtype

if TYPE_CHECKING:
    from matplotlib.figure import Figure

_ACTIVATIONS_MODULE = "scratchdl.nn.layers.activation"
# Box fill per kind of layer: light tints of the palette, so black text stays readable.
_FILLS = {
    "weights": "#CFE3F2",
    "activation": "#FBE8C2",
    "norm": "#C7EADF",
    "dropout": "#F2DCE8",
    "other": "#E6E6E6",
    "input": "#FFFFFF",
}


# ----------------------------------------------------------------------------- model diagram
def _kind(module: Any) -> str:
    name = type(module).__name__
    if type(module).__module__ == _ACTIVATIONS_MODULE:
        return "activation"
    weight = getattr(module, "weight", None)
    if "Norm" in name:
        return "norm"
    if "Dropout" in name:
        return "dropout"
    if isinstance(weight, Tensor) and weight.ndim >= 2:
        return "weights"
    return "other"


def describe_layer(module: Any) -> str:
    """A short label: ``Linear 2 → 32``, ``Conv2d 3 → 16, 3×3``, else ``Name(settings)``."""
    name = type(module).__name__
    weight = getattr(module, "weight", None)
    if hasattr(module, "in_features") and hasattr(module, "out_features"):
        return f"{name}  {module.in_features} → {module.out_features}"
    if conv_weight_ndim(module) is not None:
        out_channels, in_per_group = weight.shape[:2]
        in_channels = getattr(module, "in_channels", in_per_group * getattr(module, "groups", 1))
        out_channels = getattr(module, "out_channels", out_channels)
        kernel = "×".join(str(k) for k in weight.shape[2:])
        return f"{name}  {in_channels} → {out_channels}, {kernel}"
    extra = module.extra_repr() if callable(getattr(module, "extra_repr", None)) else ""
    if len(extra) > 28:  # what fits in a box
        extra = extra[:25] + "..."
    return f"{name}({extra})" if extra else name


def _leaf_layers(model: Any) -> list[tuple[str, Any]]:
    children = getattr(model, "_modules", None)
    if not children:
        return [("", model)]  # a single layer is its own diagram
    return [(name, m) for name, m in model.named_modules() if name and not m._modules]


def _output_shapes(model: Any, layers, input_size) -> tuple[tuple[int, ...], dict[int, tuple]]:
    """Run zeros of ``input_size`` through the model; the output shape of each layer."""
    if isinstance(input_size, (int, np.integer)) and not isinstance(input_size, bool):
        input_size = (1, int(input_size))
    valid = isinstance(input_size, (tuple, list)) and all(
        isinstance(n, (int, np.integer)) and not isinstance(n, bool) and n >= 1 for n in input_size
    )
    if not valid:
        raise TypeError(
            "plot_model_diagram: input_size must be the shape of one input batch, e.g. (1, 784) "
            f"or (1, 3, 32, 32) (an int n means (1, n)); received {input_size!r}."
        )
    shape = tuple(int(n) for n in input_size)
    shapes: dict[int, tuple] = {}

    def remember(module, inputs, output):
        shapes.setdefault(id(module), tuple(getattr(output, "shape", ())))

    handles = [module.register_forward_hook(remember) for _, module in layers]
    try:
        with evaluating(model), no_grad():
            model(Tensor(np.zeros(shape, dtype=model_dtype(model))))
    except Exception as error:
        raise ValueError(
            f"plot_model_diagram: running the model on zeros of input_size={shape} failed: "
            f"{error}. help: give the shape of one batch as the model expects it, batch axis "
            "first."
        ) from error
    finally:
        for handle in handles:
            handle.remove()
    return shape, shapes


def plot_model_diagram(
    model: Any,
    input_size: int | tuple[int, ...] | None = None,
    *,
    path: str | os.PathLike | None = None,
    title: str | None = None,
) -> Figure:
    """The architecture as a column of boxes joined by arrows, input at the top.

    Parameters
    ----------
    model : nn.Module
        A Sequential, an MLP or any Module: its innermost layers are drawn in registration
        order (the forward order of a Sequential; a column of boxes does not show branches
        such as residual connections). An activation right after a layer with weights is
        written inside that layer's box.
    input_size : int or tuple, optional
        The shape of one input batch, batch axis first (an int n means (1, n)). When given, the
        model runs once on zeros (eval mode, no graph) and each box shows its output shape.
    path : str or path-like, optional
        Save the figure there (png, or svg/pdf by suffix).
    title : str, optional
        Default: the model's class name and its parameter count.
    """
    if not callable(getattr(model, "named_modules", None)):
        raise TypeError(
            f"plot_model_diagram: expected an nn.Module; received {type(model).__name__}."
        )
    layers = _leaf_layers(model)
    input_shape, shapes = (None, {})
    if input_size is not None:
        input_shape, shapes = _output_shapes(model, layers, input_size)

    boxes: list[dict[str, Any]] = []  # each: lines of text and a kind
    if input_shape is not None:
        boxes.append({"lines": ["input", f"{input_shape}"], "kind": "input"})
    for _, module in layers:
        kind = _kind(module)
        out_shape = shapes.get(id(module))
        previous = boxes[-1] if boxes else None
        if kind == "activation" and previous and previous["kind"] == "weights":
            if not previous.get("activation"):
                previous["activation"] = True
                previous["lines"].insert(1, f"+ {describe_layer(module)}")
                if out_shape is not None:
                    previous["lines"][-1] = f"→ {out_shape}"
                continue
        lines = [describe_layer(module)]
        if out_shape is not None:
            lines.append(f"→ {out_shape}")
        boxes.append({"lines": lines, "kind": kind})
    return finish(_draw_boxes(boxes, _default_title(model) if title is None else title), path)


def _default_title(model: Any) -> str:
    count = sum(int(p.data.size) for p in model.parameters())
    return f"{type(model).__name__}: {count:,} parameters"


def _draw_boxes(boxes: list[dict[str, Any]], title: str) -> Figure:
    from matplotlib.patches import FancyBboxPatch

    count = len(boxes)
    spacing, height = 1.0, 0.72  # in data units, one unit per box
    width_in, height_in = 4.2, 0.7 * count + 0.5
    fig = new_figure(size=(width_in, height_in))
    ax = fig.add_subplot()
    ax.set_xlim(0.0, 1.0)
    ax.set_ylim(-(count - 1) * spacing - 0.55, 0.55)
    ax.set_axis_off()
    # Round corners look round only if x and y units are scaled alike on the page.
    aspect = ((count - 1) * spacing + 1.1) / height_in * width_in
    for index, box in enumerate(boxes):
        center = -index * spacing
        ax.add_patch(
            FancyBboxPatch(
                (0.1, center - height / 2),
                0.8,
                height,
                boxstyle="round,pad=0,rounding_size=0.03",
                mutation_aspect=aspect,
                facecolor=_FILLS[box["kind"]],
                edgecolor="black",
                linewidth=0.8,
            )
        )
        ax.text(0.5, center, "\n".join(box["lines"]), ha="center", va="center", fontsize=8.5)
        if index + 1 < count:
            ax.annotate(
                "",
                xy=(0.5, center - spacing + height / 2),
                xytext=(0.5, center - height / 2),
                arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 0.9},
            )
    ax.set_title(title, fontsize="medium")
    return fig


# ----------------------------------------------------------------------------- autograd graph
def _quote(text: str) -> str:
    """A DOT string literal: backslashes and quotes escaped, newlines as \\n."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _leaf_label(t: Tensor, names: dict[int, str]) -> str:
    name = names.get(id(t)) or t.name or type(t).__name__.lower()
    grad = "requires_grad" if t.requires_grad else "constant"
    return f"{name}\n{tuple(t.shape)} {t.dtype}\n{grad}"


def autograd_graph(
    tensor: Tensor, *, max_nodes: int = 500, names: dict[str, Tensor] | None = None
) -> str:
    """The autograd graph that ends at ``tensor``, as Graphviz DOT text.

    Parameters
    ----------
    tensor : Tensor
        Usually a loss. Call this before ``backward()`` (or use ``retain_graph=True``): backward
        frees the graph it walked.
    max_nodes : int
        Stop adding nodes after this many; the rest of the graph is summarised by one node.
    names : dict of name -> Tensor, optional
        Labels for leaf tensors, e.g. ``dict(model.named_parameters())``.

    Returns
    -------
    str
        A ``digraph``: box nodes for ops (their class name), ellipses for leaf tensors (shape,
        dtype, requires_grad or constant), a double octagon for ``tensor``; an edge from each
        op input (leaf or producing op) to the op, and from the last op to the output.

    Examples
    --------
    >>> import scratchdl as sd
    >>> x = sd.tensor([1.0, 2.0], requires_grad=True)
    >>> print(autograd_graph((x * x).sum()).count("->"))
    4
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"autograd_graph: expected a Tensor; received {type(tensor).__name__}.")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, (int, np.integer)):
        raise TypeError(f"autograd_graph: max_nodes must be an int; received {max_nodes!r}.")
    if max_nodes < 1:
        raise ValueError(f"autograd_graph: max_nodes must be >= 1; received {max_nodes}.")
    label_of = {id(t): name for name, t in (names or {}).items()}
    ids: dict[int, str] = {}
    node_lines: list[str] = []
    edge_lines: list[str] = []
    truncated = "truncated"
    state = {"truncated": False}

    def node(obj: Any, label: str, style: str) -> str:
        """The id of obj's node, making it first (or the truncation node once full)."""
        key = id(obj)
        if key not in ids:
            if len(ids) >= max_nodes:
                if not state["truncated"]:
                    state["truncated"] = True
                    note = f"... more of the graph\n(max_nodes={max_nodes})"
                    node_lines.append(f"  {truncated} [label={_quote(note)}, shape=note];")
                return truncated
            ids[key] = f"n{len(ids)}"
            node_lines.append(f"  {ids[key]} [label={_quote(label)}, {style}];")
        return ids[key]

    op_style = 'shape=box, style="rounded,filled", fillcolor="#FFFFFF"'
    output_label = f"output\n{tuple(tensor.shape)} {tensor.dtype}"
    output_style = 'shape=doubleoctagon, style=filled, fillcolor="#FBE8C2"'
    if tensor.grad_fn is None:
        node(tensor, output_label + "\n(a leaf: no ops recorded)", output_style)
    else:
        output = node(tensor, output_label, output_style)
        last_op = node(tensor.grad_fn, tensor.grad_fn.name, op_style)
        edge_lines.append(f"  {last_op} -> {output};")
        stack = [tensor.grad_fn] if last_op != truncated else []
        expanded: set[int] = set()
        while stack:
            fn = stack.pop()
            if id(fn) in expanded:
                continue
            expanded.add(id(fn))
            if fn.freed or "inputs" not in fn.__dict__:
                raise GradientError(
                    f"autograd_graph: the graph was freed by backward() ({fn.name}'s inputs are "
                    "gone). help: call autograd_graph before backward(), or pass "
                    "retain_graph=True to backward()."
                )
            target = ids[id(fn)]
            for t in fn.inputs:
                if t.grad_fn is None:
                    fill = "#CFE3F2" if t.requires_grad else "#E6E6E6"
                    style = f'shape=ellipse, style=filled, fillcolor="{fill}"'
                    source = node(t, _leaf_label(t, label_of), style)
                else:
                    known = id(t.grad_fn) in ids
                    source = node(t.grad_fn, t.grad_fn.name, op_style)
                    if not known and source != truncated:
                        stack.append(t.grad_fn)
                edge_lines.append(f"  {source} -> {target};")
    header = ["digraph autograd {", '  node [fontname="Helvetica", fontsize=10];']
    return "\n".join([*header, *node_lines, *edge_lines, "}"]) + "\n"


def render_dot(dot_text: str, path: str | os.PathLike) -> Path | None:
    """Write ``dot_text`` beside ``path`` as ``.dot``; render it to ``path`` if Graphviz is here.

    The DOT file (``path`` with the suffix ``.dot``) is always written. When the ``dot`` program
    is on the PATH, the image is rendered in the format of ``path``'s suffix (``.png`` by default,
    ``.svg``, ``.pdf``) and its path returned; otherwise (or when ``path`` itself ends in ``.dot``)
    the result is None: open the ``.dot`` file in any Graphviz viewer, or install Graphviz
    (``apt install graphviz``, ``brew install graphviz``). Both files are written atomically.
    """
    from scratchdl.serialization import write_atomically

    if not isinstance(dot_text, str):
        raise TypeError(f"render_dot: dot_text must be a str; received {type(dot_text).__name__}.")
    path = Path(path)
    if path.suffix == "":
        path = path.with_suffix(".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    dot_path = path.with_suffix(".dot")
    write_atomically(dot_path, lambda: dot_text.encode("utf-8"))
    program = shutil.which("dot")
    if program is None or path.suffix.lower() == ".dot":
        return None
    image_format = path.suffix.lstrip(".").lower()
    result = subprocess.run(
        [program, f"-T{image_format}"],
        input=dot_text.encode("utf-8"),
        capture_output=True,
        check=False,
        timeout=300,
    )
    if result.returncode != 0:
        message = result.stderr.decode("utf-8", "replace").strip()
        raise RuntimeError(
            f"render_dot: Graphviz's dot failed to render {str(path)!r} (exit code "
            f"{result.returncode}): {message}. The DOT text is in {str(dot_path)!r}."
        )
    write_atomically(path, lambda: result.stdout)
    return path

"""Figures for learning what a network does: boundaries, curves, gradients, graphs, CNN views.

Every plot function returns a matplotlib ``Figure`` and, given ``path=``, saves it atomically
(png, or svg/pdf by suffix; parent folders are created). matplotlib (and pillow for GIFs) is an
optional extra, imported only when a figure is made: ``pip install "scratchdl[viz]"``. Figures
are drawn on the Agg canvas, so nothing opens a window and no pyplot state is touched.

* ``boundary``: ``plot_decision_boundary``, ``decision_grid`` (2-D classifiers);
* ``animation``: ``BoundaryRecorder`` (a ``fit`` callback) and ``animate_training`` (a GIF);
* ``curves``: ``plot_history``, ``plot_lr``, ``plot_comparison``, ``plot_bar``;
* ``gradients``: ``plot_gradient_flow``, ``layer_statistics``, ``plot_layer_histograms``;
* ``diagram``: ``plot_model_diagram``, ``autograd_graph`` (Graphviz DOT), ``render_dot``;
* ``cnn``: ``plot_filters``, ``feature_maps``, ``plot_feature_maps``, ``saliency_map``,
  ``plot_saliency``.

Examples
--------
>>> from scratchdl import nn, viz
>>> from scratchdl.data import moons
>>> X, y = moons(n=100, seed=0).arrays
>>> model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
>>> fig = viz.plot_decision_boundary(model, X, y, resolution=40)  # path="moons.png" saves it
>>> fig.get_size_inches().tolist()
[5.0, 4.0]
>>> xx, yy, probs = viz.decision_grid(model, X, resolution=20)
>>> probs.shape, bool(((probs >= 0) & (probs <= 1)).all())
((20, 20), True)
"""

from scratchdl.viz._figure import save_figure
from scratchdl.viz.animation import BoundaryFrame, BoundaryRecorder, animate_training
from scratchdl.viz.boundary import decision_grid, plot_decision_boundary
from scratchdl.viz.cnn import (
    feature_maps,
    plot_feature_maps,
    plot_filters,
    plot_saliency,
    saliency_map,
)
from scratchdl.viz.curves import plot_bar, plot_comparison, plot_history, plot_lr
from scratchdl.viz.diagram import autograd_graph, plot_model_diagram, render_dot
from scratchdl.viz.gradients import layer_statistics, plot_gradient_flow, plot_layer_histograms

__all__ = [
    "BoundaryFrame",
    "BoundaryRecorder",
    "animate_training",
    "autograd_graph",
    "decision_grid",
    "feature_maps",
    "layer_statistics",
    "plot_bar",
    "plot_comparison",
    "plot_decision_boundary",
    "plot_feature_maps",
    "plot_filters",
    "plot_gradient_flow",
    "plot_history",
    "plot_layer_histograms",
    "plot_lr",
    "plot_model_diagram",
    "plot_saliency",
    "render_dot",
    "saliency_map",
    "save_figure",
]

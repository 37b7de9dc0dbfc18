"""Tests of plot_history, plot_lr, plot_comparison and plot_bar."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

from scratchdl.train import History
from scratchdl.viz import plot_bar, plot_comparison, plot_history, plot_lr
from tests.viz import assert_image

HISTORY = {
    "loss": [1.0, 0.6, 0.4, 0.3],
    "accuracy": [0.5, 0.7, 0.8, 0.85],
    "val_loss": [1.1, 0.7, 0.5, 0.45],
    "val_accuracy": [0.45, 0.65, 0.75, 0.8],
    "lr": [0.1, 0.1, 0.05, 0.05],
}


def _lines(ax):
    return {line.get_label(): line.get_ydata().tolist() for line in ax.get_lines()}


def test_history_panels_join_train_and_validation(tmp_path):
    fig = plot_history(History(HISTORY), path=tmp_path / "history.png", title="run")
    assert isinstance(fig, Figure)
    assert [ax.get_ylabel() for ax in fig.axes] == ["loss", "accuracy"]  # no "lr" panel
    assert _lines(fig.axes[0]) == {"train": HISTORY["loss"], "validation": HISTORY["val_loss"]}
    assert fig.axes[1].get_lines()[0].get_xdata().tolist() == [1, 2, 3, 4]
    assert_image(tmp_path / "history.png", size=(800, 320))  # two 4 x 3.2 in panels


def test_history_from_dict_chosen_metric_and_no_validation():
    fig = plot_history({"loss": [3.0, 2.0]}, metrics="loss")
    assert _lines(fig.axes[0]) == {"train": [3.0, 2.0]}


def test_history_with_many_metrics_uses_a_grid(tmp_path):
    history = {name: [1.0, 2.0] for name in ("loss", "accuracy", "precision", "recall")}
    fig = plot_history(history, path=tmp_path / "grid.png")
    assert sum(ax.get_visible() for ax in fig.axes) == 4
    assert_image(tmp_path / "grid.png", size=(1200, 640))


def test_history_errors():
    with pytest.raises(KeyError, match=r"no values for \['f1'\].*'accuracy'"):
        plot_history(HISTORY, metrics=["f1"])
    with pytest.raises(TypeError, match="History"):
        plot_history([1.0, 2.0])
    with pytest.raises(ValueError, match="empty"):
        plot_history({})


def test_lr_from_history_and_from_a_list(tmp_path):
    fig = plot_lr(History(HISTORY), path=tmp_path / "lr.png")
    ax = fig.axes[0]
    assert ax.get_lines()[0].get_ydata().tolist() == HISTORY["lr"]
    assert ax.get_xlabel() == "epoch"
    assert_image(tmp_path / "lr.png", size=(500, 400))
    steps = [0.1 * 0.9**i for i in range(100)]
    fig = plot_lr(steps, logy=True)
    assert fig.axes[0].get_xlabel() == "step" and fig.axes[0].get_yscale() == "log"
    np.testing.assert_allclose(fig.axes[0].get_lines()[0].get_ydata(), steps)


def test_lr_errors():
    with pytest.raises(KeyError, match="no 'lr' entry"):
        plot_lr({"loss": [1.0]})
    with pytest.raises(ValueError, match="empty"):
        plot_lr([])


def test_comparison_with_per_run_x(tmp_path):
    runs = {"sgd": [1.0, 0.5, 0.3], "adam": [1.0, 0.2, 0.1]}
    seconds = {"sgd": [0.1, 0.2, 0.3], "adam": [0.2, 0.5, 0.9]}
    fig = plot_comparison(
        runs, x=seconds, xlabel="seconds", logy=True, title="opt", path=tmp_path / "c.png"
    )
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_xlabel() == "seconds"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["sgd", "adam"]
    assert ax.get_lines()[1].get_xdata().tolist() == seconds["adam"]
    assert_image(tmp_path / "c.png", size=(600, 400))


def test_comparison_shared_x_and_errors():
    fig = plot_comparison({"a": [1.0, 2.0]}, x=[10, 20])
    assert fig.axes[0].get_lines()[0].get_xdata().tolist() == [10, 20]
    with pytest.raises(ValueError, match="run 'a' has 2 values but its x has 3"):
        plot_comparison({"a": [1.0, 2.0]}, x=[1, 2, 3])
    with pytest.raises(KeyError, match="no entry for run 'b'"):
        plot_comparison({"a": [1.0], "b": [2.0]}, x={"a": [1]})
    with pytest.raises(ValueError, match="non-empty dict"):
        plot_comparison({})


def test_bar_labels_each_value(tmp_path):
    values = {"sgd": 0.91, "momentum": 0.95, "adam": 0.972}
    fig = plot_bar(values, ylabel="test accuracy", title="final", path=tmp_path / "bar.png")
    ax = fig.axes[0]
    heights = [patch.get_height() for patch in ax.patches]
    np.testing.assert_allclose(heights, list(values.values()))
    texts = {t.get_text() for t in ax.texts}
    assert {"0.91", "0.95", "0.972"} <= texts
    assert ax.get_ylabel() == "test accuracy"
    assert_image(tmp_path / "bar.png", size=(400, 400))
    with pytest.raises(ValueError, match="non-empty dict"):
        plot_bar({}, ylabel="x")


def test_comparison_styles_pair_curves_and_many_runs_put_the_legend_outside(tmp_path):
    runs = {"a: train": [1.0, 0.5], "a: test": [1.1, 0.7], "b: train": [1.0, 0.4]}
    styles = {"a: train": (0, "-"), "a: test": (0, "--"), "b: train": (1, "-")}
    ax = plot_comparison(runs, styles=styles).axes[0]
    lines = ax.get_lines()
    assert lines[0].get_color() == lines[1].get_color() != lines[2].get_color()
    assert [line.get_linestyle() for line in lines] == ["-", "--", "-"]
    with pytest.raises(KeyError, match="styles has no entry for run 'b: train'"):
        plot_comparison(runs, styles={"a: train": (0, "-"), "a: test": (0, "--")})
    many = {f"lr={i}": [1.0, 0.5 + 0.01 * i] for i in range(9)}
    fig = plot_comparison(many, path=tmp_path / "many.png")
    fig.canvas.draw()
    legend = fig.axes[0].get_legend().get_window_extent()
    assert legend.x0 >= fig.axes[0].get_window_extent().x1  # beside the axes, not over them
    assert_image(tmp_path / "many.png", size=(720, 400))

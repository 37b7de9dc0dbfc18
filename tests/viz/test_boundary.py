"""Tests of decision_grid and plot_decision_boundary."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

import scratchdl as sd
from scratchdl import nn
from scratchdl.errors import ShapeError
from scratchdl.viz import decision_grid, plot_decision_boundary
from scratchdl.viz._figure import new_figure
from tests.viz import assert_image, points, tiny_binary_model, tiny_multiclass_model


def _direct_logits(model, xx, yy):
    grid = np.stack([xx.ravel(), yy.ravel()], axis=1)
    model.eval()
    with sd.no_grad():
        return model(sd.tensor(grid)).data


def test_binary_grid_is_the_sigmoid_of_the_model_on_the_grid(rng):
    X, _ = points(rng)
    model = tiny_binary_model()
    xx, yy, probs = decision_grid(model, X, resolution=12, margin=0.25)
    assert xx.shape == yy.shape == probs.shape == (12, 12)
    assert xx.dtype == yy.dtype == np.float32  # the model's dtype, never upcast
    assert ((probs >= 0) & (probs <= 1)).all()
    expected = 1 / (1 + np.exp(-_direct_logits(model, xx, yy).astype(np.float64)))
    np.testing.assert_allclose(probs.ravel(), expected.ravel(), rtol=1e-5, atol=1e-6)


def test_grid_spans_the_data_plus_margin(rng):
    X, _ = points(rng)
    xx, yy, _ = decision_grid(tiny_binary_model(), X, resolution=7, margin=0.5)
    np.testing.assert_allclose([xx[0, 0], xx[0, -1]], [X[:, 0].min() - 0.5, X[:, 0].max() + 0.5])
    np.testing.assert_allclose([yy[0, 0], yy[-1, 0]], [X[:, 1].min() - 0.5, X[:, 1].max() + 0.5])
    assert (np.diff(xx[0]) > 0).all() and (np.diff(yy[:, 0]) > 0).all()


def test_multiclass_grid_is_the_softmax_of_the_model(rng):
    X, _ = points(rng)
    model = tiny_multiclass_model(classes=4)
    xx, yy, probs = decision_grid(model, sd.tensor(X), resolution=9)
    assert probs.shape == (9, 9, 4)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, rtol=1e-5)
    logits = _direct_logits(model, xx, yy).astype(np.float64)
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(probs.reshape(-1, 4), expected, rtol=1e-5, atol=1e-6)


def test_float64_model_gets_a_float64_grid(rng):
    X, _ = points(rng)
    model = tiny_binary_model().astype(np.float64)
    xx, _, probs = decision_grid(model, X, resolution=5)
    assert xx.dtype == np.float64 and probs.dtype == np.float64


def test_plain_function_model(rng):
    X, _ = points(rng)
    xx, yy, probs = decision_grid(lambda t: t[:, 0] - t[:, 1], X, resolution=6)
    np.testing.assert_allclose(probs, 1 / (1 + np.exp(-(xx - yy))), rtol=1e-5)


@pytest.mark.parametrize("training", [True, False])
def test_mode_is_restored_and_dropout_is_off(rng, training):
    X, _ = points(rng)
    model = tiny_multiclass_model()  # has Dropout(0.5)
    model.train(training)
    first = decision_grid(model, X, resolution=8)[2]
    second = decision_grid(model, X, resolution=8)[2]
    assert model.training is training and model[2].training is training
    np.testing.assert_array_equal(first, second)  # eval mode: no random dropout masks


def test_mode_is_restored_when_the_model_fails(rng):
    X, _ = points(rng)

    class Broken(nn.Module):
        def forward(self, x):
            raise RuntimeError("forward failed")

    model = Broken()
    with pytest.raises(RuntimeError, match="forward failed"):
        decision_grid(model, X, resolution=4)
    assert model.training is True


def test_plot_binary_saves_an_image_of_the_expected_size(rng, tmp_path):
    X, y = points(rng)
    fig = plot_decision_boundary(
        tiny_binary_model(), X, y, resolution=30, title="moons", path=tmp_path / "b.png"
    )
    assert isinstance(fig, Figure)
    assert fig.axes[0].get_title() == "moons"
    assert_image(tmp_path / "b.png", size=(500, 400))


@pytest.mark.parametrize("label_form", ["int", "float column", "tensor"])
def test_plot_multiclass_accepts_label_forms(rng, tmp_path, label_form):
    X, _ = points(rng, n=30)
    y = np.arange(30) % 3
    labels = {
        "int": y,
        "float column": y.astype(np.float32).reshape(-1, 1),
        "tensor": sd.tensor(y),
    }[label_form]
    model = tiny_multiclass_model()
    fig = plot_decision_boundary(model, X, labels, resolution=20, path=tmp_path / "m.png")
    assert_image(tmp_path / "m.png", size=(500, 400))
    legend = [text.get_text() for text in fig.axes[0].get_legend().get_texts()]
    assert legend == ["class 0", "class 1", "class 2"]


def test_plot_into_a_given_axes(rng):
    X, y = points(rng)
    fig = new_figure()
    ax = fig.add_subplot(1, 2, 2)
    assert plot_decision_boundary(tiny_binary_model(), X, y, ax=ax, resolution=10) is fig


@pytest.mark.parametrize("shape", [(10, 2, 1), (10, 3), (10,), (0, 2)])
def test_points_must_be_2d(shape):
    with pytest.raises(ShapeError, match=r"shape \(N, 2\)"):
        decision_grid(tiny_binary_model(), np.zeros(shape, np.float32))


def test_three_dimensional_inputs_name_the_function(rng):
    X = rng.standard_normal((10, 3)).astype(np.float32)
    with pytest.raises(ShapeError, match=r"plot_decision_boundary: .*received shape \(10, 3\)"):
        plot_decision_boundary(tiny_binary_model(), X, np.zeros(10))


def test_bad_labels(rng):
    X, _ = points(rng, n=10)
    model = tiny_binary_model()
    with pytest.raises(ShapeError, match=r"one class label per point.*\(10,\) or \(10, 1\)"):
        plot_decision_boundary(model, X, np.zeros(9))
    with pytest.raises(ShapeError, match="one-hot"):
        plot_decision_boundary(model, X, np.eye(10, 3))
    with pytest.raises(ValueError, match="non-whole values"):
        plot_decision_boundary(model, X, np.full(10, 0.3))
    with pytest.raises(ValueError, match="binary classifier.*classes 0 to 1"):
        plot_decision_boundary(model, X, np.arange(10) % 3)


def test_wrong_model_output_shape(rng):
    X, _ = points(rng, n=10)
    with pytest.raises(ShapeError, match=r"returned shape \(8, 2, 2\)"):
        decision_grid(lambda t: t.reshape(-1, 2, 2), X, resolution=4)


def test_bad_resolution(rng):
    X, _ = points(rng, n=10)
    with pytest.raises(ValueError, match="resolution must be at least 2"):
        decision_grid(tiny_binary_model(), X, resolution=1)
    with pytest.raises(TypeError, match="resolution must be an int"):
        decision_grid(tiny_binary_model(), X, resolution=2.5)


@pytest.mark.parametrize("classes", [1, 3])
def test_nan_outputs_are_grey_not_a_class_colour(rng, classes):
    """A diverged model (NaN logits) gets a grey ground and a note, never black or a class."""
    from scratchdl.viz.boundary import _NAN_GREY

    X, _ = points(rng, n=20)
    y = np.zeros(20)
    nan_model = lambda t: t[:, :1].repeat(classes, axis=1) * float("nan")  # noqa: E731
    fig = plot_decision_boundary(nan_model, X, y, resolution=8)
    image = fig.axes[0].get_images()[0].get_array()
    np.testing.assert_allclose(np.asarray(image), _NAN_GREY)
    assert any("outputs NaN" in text.get_text() for text in fig.axes[0].texts)


def test_boundary_is_drawn_where_only_part_of_the_plane_is_nan(rng):
    X, y = points(rng, n=20)

    def half_nan(t):  # logit x₁ - x₂, NaN for x₁ > 1
        logits = t[:, 0] - t[:, 1]
        return logits + sd.tensor(np.where(t.data[:, 0] > 1.0, np.nan, 0.0).astype(np.float32))

    fig = plot_decision_boundary(half_nan, X, y, resolution=20)
    ax = fig.axes[0]
    assert len(ax.collections) > len(np.unique(y))  # a contour set besides the scatters
    assert not any("outputs NaN" in text.get_text() for text in ax.texts)

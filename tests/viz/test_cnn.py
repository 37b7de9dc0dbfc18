"""Tests of plot_filters, feature_maps, plot_feature_maps, saliency_map and plot_saliency.

The models are built from ``scratchdl.nn.functional`` convolutions (tests/viz/__init__.py), so
these tests do not depend on ``nn.Conv2d``.
"""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

import scratchdl as sd
from scratchdl import nn
from scratchdl.errors import ShapeError
from scratchdl.nn import functional as F
from scratchdl.viz import (
    feature_maps,
    plot_feature_maps,
    plot_filters,
    plot_saliency,
    saliency_map,
)
from tests.viz import ConvTiny, TinyCNN, TinyCNN1d, assert_image


def _visible(fig):
    return [ax for ax in fig.axes if ax.get_visible()]


# ----------------------------------------------------------------------------- filters
def test_rgb_filters_from_a_layer(tmp_path):
    layer = ConvTiny(3, 6)
    fig = plot_filters(layer, path=tmp_path / "filters.png")
    assert isinstance(fig, Figure)
    axes = _visible(fig)
    assert len(axes) == 6
    first = axes[0].get_images()[0].get_array()
    assert first.shape == (3, 3, 3)  # (kh, kw, RGB)
    # Min-max scaled on its own: the filter's smallest weight is black, its largest white.
    weights = layer.weight.data[0].transpose(1, 2, 0)
    expected = (weights - weights.min()) / (weights.max() - weights.min())
    np.testing.assert_allclose(first, expected, rtol=1e-6)
    assert_image(tmp_path / "filters.png", size=(310, 250))  # 3 x 2 cells of 0.9 in


def test_grey_filters_and_max_filters(rng):
    weight = rng.standard_normal((10, 1, 5, 5)).astype(np.float32)
    fig = plot_filters(sd.tensor(weight), max_filters=4, title="first four")
    assert len(_visible(fig)) == 4
    assert fig.axes[0].get_images()[0].get_array().shape == (5, 5)
    assert fig.get_suptitle() == "first four"
    fig = plot_filters(rng.standard_normal((2, 5, 3, 3)))  # 5 input channels: their mean
    assert "mean over input channels" in fig.get_suptitle()
    image = fig.axes[1].get_images()[0].get_array()
    assert image.min() == 0.0 and image.max() == 1.0


def test_conv1d_filters_are_line_plots(rng):
    weight = rng.standard_normal((4, 2, 5))
    fig = plot_filters(weight)
    first = _visible(fig)[0]
    lines = first.get_lines()
    assert len(lines) == 3  # one per input channel, and the zero line
    np.testing.assert_allclose(lines[1].get_ydata(), weight[0, 1])
    assert "Conv1d filters (4, 2 input channels)" in fig.get_suptitle()


def test_filters_reject_non_convolution_weights():
    with pytest.raises(ShapeError, match=r"received shape \(3, 2\) \(a Linear layer's weight\?\)"):
        plot_filters(nn.Linear(2, 3))
    with pytest.raises(TypeError, match="expected a convolution layer"):
        plot_filters("conv1")
    with pytest.raises(ValueError, match="max_filters must be >= 1"):
        plot_filters(ConvTiny(1, 2), max_filters=0)


# ----------------------------------------------------------------------------- feature maps
def test_feature_maps_are_each_convolutions_output(rng):
    model = TinyCNN()
    x = rng.standard_normal((3, 6, 6)).astype(np.float32)
    maps = feature_maps(model, x)
    assert list(maps) == ["conv1", "conv2"]
    first = F.conv2d(sd.tensor(x[None]), model.conv1.weight, padding=1)
    second = F.conv2d(first.tanh(), model.conv2.weight, padding=1)  # eval: no dropout
    np.testing.assert_allclose(maps["conv1"], first.data[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(maps["conv2"], second.data[0], rtol=1e-5, atol=1e-6)
    assert model.training is True
    batched = feature_maps(model, sd.tensor(x[None]))
    np.testing.assert_array_equal(batched["conv2"], maps["conv2"])


def test_feature_maps_of_a_conv1d_model(rng):
    maps = feature_maps(TinyCNN1d(), rng.standard_normal((2, 10)).astype(np.float32))
    assert {name: m.shape for name, m in maps.items()} == {"conv": (3, 10)}


def test_feature_maps_errors(rng):
    model = TinyCNN()
    with pytest.raises(ShapeError, match="ONE input; received a batch of 2"):
        feature_maps(model, np.zeros((2, 3, 6, 6), np.float32))
    with pytest.raises(ShapeError, match=r"takes inputs \(C, H, W\) per example"):
        feature_maps(model, np.zeros((6, 6), np.float32))
    with pytest.raises(ValueError, match="has no convolution layers"):
        feature_maps(nn.Sequential(nn.Linear(2, 2)), np.zeros(2, np.float32))


def test_plot_feature_maps(rng, tmp_path):
    x = rng.standard_normal((3, 6, 6)).astype(np.float32)
    fig = plot_feature_maps(TinyCNN(), x, path=tmp_path / "maps.png")
    assert len(_visible(fig)) == 4 + 2  # conv1's 4 channels, conv2's 2
    assert fig.axes[0].get_ylabel() == "conv1\n4 ch"
    assert_image(tmp_path / "maps.png", size=(440, 250))
    fig = plot_feature_maps(TinyCNN(), x, max_channels=2)
    assert len(_visible(fig)) == 2 + 2


# ----------------------------------------------------------------------------- saliency
def _direct_saliency(model, x, target=None):
    model.eval()
    inputs = sd.tensor(x[None], requires_grad=True)
    logits = model(inputs)
    target = int(logits.data[0].argmax()) if target is None else target
    logits[0, target].backward()
    model.train()
    return np.abs(inputs.grad.data[0])


@pytest.mark.parametrize("target", [None, 0, 2])
def test_saliency_is_the_input_gradient(rng, target):
    x = rng.standard_normal((3, 6, 6)).astype(np.float32)
    model = TinyCNN()
    saliency = saliency_map(model, x, target=target)
    assert all(p.grad is None for p in model.parameters())  # the model's grads untouched
    assert model.training is True
    expected = _direct_saliency(model, x, target).max(axis=0)  # max over the RGB channels
    assert saliency.shape == (6, 6)
    np.testing.assert_allclose(saliency, expected, rtol=1e-5, atol=1e-8)


def test_saliency_of_a_binary_mlp_and_a_conv1d_model(rng):
    sd.manual_seed(0)
    mlp = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
    x = rng.standard_normal(3).astype(np.float32)
    inputs = sd.tensor(x[None], requires_grad=True)
    mlp(inputs).sum().backward()
    np.testing.assert_allclose(saliency_map(mlp, x), np.abs(inputs.grad.data[0]), rtol=1e-6)
    sequence = rng.standard_normal((2, 10)).astype(np.float32)
    model = TinyCNN1d()
    expected = _direct_saliency(model, sequence).max(axis=0)
    np.testing.assert_allclose(saliency_map(model, sequence), expected, rtol=1e-5, atol=1e-8)


def test_saliency_errors(rng):
    x = rng.standard_normal((3, 6, 6)).astype(np.float32)
    with pytest.raises(ValueError, match=r"target=3 is not a class of this model \(0 to 2\)"):
        saliency_map(TinyCNN(), x, target=3)
    with pytest.raises(TypeError, match="class index"):
        saliency_map(TinyCNN(), x, target=1.5)
    with pytest.raises(ShapeError, match="ONE input"):
        saliency_map(TinyCNN(), np.stack([x, x]))


def test_plot_saliency(rng, tmp_path):
    x = rng.standard_normal((3, 6, 6)).astype(np.float32)
    fig = plot_saliency(TinyCNN(), x, target=1, path=tmp_path / "saliency.png")
    assert fig.axes[1].get_title() == "saliency for class 1"
    np.testing.assert_allclose(
        fig.axes[1].get_images()[0].get_array(), saliency_map(TinyCNN(), x, 1), rtol=1e-6
    )
    assert_image(tmp_path / "saliency.png", size=(700, 340))
    fig = plot_saliency(TinyCNN1d(), rng.standard_normal((2, 10)).astype(np.float32))
    assert len(fig.axes[1].patches) == 10  # one bar per position of the sequence

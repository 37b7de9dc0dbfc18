"""Tests of plot_gradient_flow, layer_statistics and plot_layer_histograms."""

from __future__ import annotations

import numpy as np
import pytest
from matplotlib.figure import Figure

import scratchdl as sd
from scratchdl import nn, optim
from scratchdl.data import DataLoader, TensorDataset
from scratchdl.train import GradientNormLogger, fit
from scratchdl.viz import layer_statistics, plot_gradient_flow, plot_layer_histograms
from tests.viz import assert_image, points


def _deep_sigmoid(depth: int = 5) -> nn.Module:
    sd.manual_seed(0)
    layers = [nn.Linear(2, 8), nn.Sigmoid()]
    for _ in range(depth - 1):
        layers += [nn.Linear(8, 8), nn.Sigmoid()]
    return nn.Sequential(*layers, nn.Linear(8, 1))


def _logged_run(rng, epochs=2):
    X, y = points(rng, n=32)
    model = _deep_sigmoid()
    logger = GradientNormLogger()
    loader = DataLoader(TensorDataset(X, y), batch_size=16)
    opt = optim.SGD(model.parameters(), lr=0.1)
    fit(model, nn.BCEWithLogitsLoss(), opt, loader, epochs=epochs, callbacks=[logger])
    return model, logger


def test_gradient_flow_from_a_logger_shows_vanishing_gradients(rng, tmp_path):
    _, logger = _logged_run(rng)
    fig = plot_gradient_flow(logger, path=tmp_path / "flow.png", title="deep sigmoid")
    assert isinstance(fig, Figure)
    lines_ax, bars_ax = fig.axes[:2]
    weights = [name for name in logger.epoch_norms if name.endswith("weight")]
    assert [line.get_label() for line in lines_ax.get_lines()] == weights  # no biases
    assert lines_ax.get_xlabel() == "epoch" and lines_ax.get_yscale() == "log"
    heights = [patch.get_height() for patch in bars_ax.patches]
    np.testing.assert_allclose(heights, [logger.epoch_norms[w][-1] for w in weights])
    # Each sigmoid scales the gradient by at most 1/4 on its way down: the first layer gets least.
    assert heights[0] < heights[-1] / 10
    assert_image(tmp_path / "flow.png", size=(900, 380))


def test_gradient_flow_from_a_dict():
    norms = {"a.weight": [1.0, 0.5], "a.bias": [2.0, 1.0], "b.weight": [0.0, 0.1]}
    fig = plot_gradient_flow(norms, logy=True)
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["a.weight", "b.weight"]
    assert np.isnan(fig.axes[0].get_lines()[1].get_ydata()[0])  # a zero norm: a gap on log axes
    fig = plot_gradient_flow(norms, weights_only=False, logy=False)
    assert len(fig.axes[0].get_lines()) == 3 and fig.axes[0].get_yscale() == "linear"
    fig = plot_gradient_flow({"layer1": [1.0], "layer2": [0.1]})  # no "weight" names: keep all
    assert len(fig.axes[0].get_lines()) == 2


def test_gradient_flow_per_step_before_any_epoch_ends():
    logger = GradientNormLogger()
    logger.norms = {"0.weight": [1.0, 0.9, 0.8]}
    fig = plot_gradient_flow(logger)
    assert fig.axes[0].get_xlabel() == "step"
    assert fig.axes[0].get_lines()[0].get_ydata().tolist() == [1.0, 0.9, 0.8]


def test_gradient_flow_errors():
    with pytest.raises(ValueError, match="no gradient norms were recorded"):
        plot_gradient_flow(GradientNormLogger())
    with pytest.raises(TypeError, match="GradientNormLogger"):
        plot_gradient_flow([1.0, 2.0])


def _small_model():
    sd.manual_seed(0)
    return nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))


def test_layer_statistics_match_autograd(rng):
    x = rng.standard_normal((5, 3)).astype(np.float32)
    y = np.array([0, 1, 1, 0, 1])
    model = _small_model()
    stats = layer_statistics(model, x, y, nn.CrossEntropyLoss())
    assert list(stats) == ["0", "1", "2"]
    assert [s["module"] for s in stats.values()] == ["Linear", "Tanh", "Linear"]
    assert all(p.grad is None for p in model.parameters())  # parameters' .grad untouched

    # The same quantities, computed by hand with retain_grad and backward.
    h = model[0](sd.tensor(x))
    a = model[1](h)
    out = model[2](a)
    for t in (h, a, out):
        t.retain_grad()
    nn.CrossEntropyLoss()(out, sd.tensor(y)).backward()
    for key, t in zip(["0", "1", "2"], (h, a, out)):
        assert stats[key]["activation"].shape == t.shape
        np.testing.assert_allclose(stats[key]["activation"], t.data, rtol=1e-6)
        np.testing.assert_allclose(stats[key]["gradient"], t.grad.data, rtol=1e-5, atol=1e-8)


def test_layer_statistics_without_a_loss_keeps_mode_and_records_each_call(rng):
    x = rng.standard_normal((2, 3)).astype(np.float32)
    tanh = nn.Tanh()
    model = nn.Sequential(nn.Linear(3, 3), tanh, nn.Linear(3, 3), tanh)  # tanh used twice
    model.eval()
    stats = layer_statistics(model, x)
    assert list(stats) == ["0", "1", "2", "1 (call 2)"]
    assert all(entry["gradient"] is None for entry in stats.values())
    assert model.training is False
    np.testing.assert_allclose(stats["1 (call 2)"]["activation"], np.tanh(stats["2"]["activation"]))


def test_layer_statistics_include_and_errors(rng):
    x = rng.standard_normal((2, 3)).astype(np.float32)
    model = _small_model()
    stats = layer_statistics(model, x, include=lambda name, m: name == "2")
    assert list(stats) == ["2"]
    with pytest.raises(ValueError, match="both the targets y and a loss_fn"):
        layer_statistics(model, x, y=np.zeros(2, dtype=np.int64))
    with pytest.raises(ValueError, match="no layers to record"):
        layer_statistics(nn.Sequential(nn.Flatten()), x)


def test_layer_histograms_with_and_without_gradients(rng, tmp_path):
    x = rng.standard_normal((16, 3)).astype(np.float32)
    y = rng.integers(0, 2, size=16)
    fig = plot_layer_histograms(
        _small_model(), x, y, nn.CrossEntropyLoss(), bins=10, path=tmp_path / "hist.png"
    )
    assert len(fig.axes) == 6  # 3 layers x (outputs, gradients)
    assert fig.axes[0].get_title() == "0: Linear\noutput"
    assert_image(tmp_path / "hist.png", size=(750, 510))
    fig = plot_layer_histograms(_small_model(), x, path=tmp_path / "act.png")
    assert len(fig.axes) == 3
    assert_image(tmp_path / "act.png", size=(750, 280))
    with pytest.raises(ValueError, match="bins must be an integer >= 1"):
        plot_layer_histograms(_small_model(), x, bins=0)


def test_layer_histograms_include_and_shared_range(rng):
    x = rng.standard_normal((64, 2)).astype(np.float32)
    y = (x.sum(axis=1, keepdims=True) > 0).astype(np.float32)
    model = _deep_sigmoid(depth=4)
    only_sigmoids = lambda name, module: isinstance(module, nn.Sigmoid)  # noqa: E731
    fig = plot_layer_histograms(
        model, x, y, nn.BCEWithLogitsLoss(), include=only_sigmoids, share_x=True, bins=20
    )
    axes = fig.axes
    assert len(axes) == 2 * 4 and all("Sigmoid" in ax.get_title() for ax in axes)
    gradients = axes[4:]
    # One value range for the whole gradient row, so the first layer's narrow spread shows.
    assert len({ax.get_xlim() for ax in gradients}) == 1
    edges = [[patch.get_x() for patch in ax.patches] for ax in gradients]
    assert all(e == edges[0] for e in edges)  # the same bins in every panel
    own = plot_layer_histograms(model, x, y, nn.BCEWithLogitsLoss(), include=only_sigmoids)
    assert own.axes[4].get_xlim() != own.axes[7].get_xlim()  # default: each fits its own values

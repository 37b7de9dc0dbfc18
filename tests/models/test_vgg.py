"""Tests of models.SmallVGG: layout, shapes, BatchNorm behaviour, learning, errors."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl import nn
from scratchdl.models import SmallVGG
from tests.models._training import losses_while_overfitting


def test_blocks_are_two_conv_bn_relu_and_a_pool():
    model = SmallVGG(widths=(8, 16), input_size=8)
    assert len(model.features) == 2
    kinds = [type(layer).__name__ for layer in model.features[1]]
    assert kinds == ["Conv2d", "BatchNorm2d", "ReLU"] * 2 + ["MaxPool2d"]
    first, second = model.features[1][0], model.features[1][3]
    assert first.weight.shape == (16, 8, 3, 3) and first.bias is None
    assert second.weight.shape == (16, 16, 3, 3)
    assert model.classifier.weight.shape == (10, 16)


@pytest.mark.parametrize("in_channels, input_size", [(3, 32), (1, 28), (1, 8)])
def test_output_shape(in_channels, input_size):
    model = SmallVGG(in_channels, 5, widths=(4, 8, 8), input_size=input_size)
    assert model(sd.zeros(2, in_channels, input_size, input_size)).shape == (2, 5)


def test_default_widths_parameter_count():
    # conv weights 3x3 without bias, BN scale and shift, the final Linear:
    convs = 9 * (3 * 32 + 32 * 32 + 32 * 64 + 64 * 64 + 64 * 128 + 128 * 128)
    norms = 2 * 2 * (32 + 64 + 128)
    assert SmallVGG().num_parameters() == convs + norms + 128 * 10 + 10


def test_eval_mode_uses_running_statistics(rng):
    model = SmallVGG(widths=(4,), input_size=4)
    x = sd.tensor(rng.standard_normal((4, 3, 4, 4)).astype(np.float32))
    model(x)
    bn = model.features[0][1]
    assert isinstance(bn, nn.BatchNorm2d) and int(bn.num_batches_tracked.item()) == 1
    model.eval()
    single = model(x[:1]).data  # one image in eval: no batch statistics involved
    np.testing.assert_allclose(single, model(x).data[:1], rtol=1e-5, atol=1e-6)


def test_vgg_overfits_a_tiny_batch(rng):
    x = rng.standard_normal((8, 3, 8, 8)).astype(np.float32)
    y = rng.integers(0, 4, 8)
    model = SmallVGG(3, 4, widths=(8, 16), input_size=8)
    losses = losses_while_overfitting(model, x, y, steps=15)
    assert losses[-1] < 0.3 * losses[0]


def test_errors_say_what_was_expected():
    with pytest.raises(ValueError, match=r"SmallVGG: expected images of shape \(N, 3, 32, 32\)"):
        SmallVGG()(sd.zeros(2, 3, 28, 28))
    with pytest.raises(ValueError, match="input_size must be at least 8"):
        SmallVGG(widths=(4, 4, 4), input_size=7)
    with pytest.raises(ValueError, match="widths must list the channels of each block"):
        SmallVGG(widths=())
    with pytest.raises(ValueError, match="every width must be a positive integer"):
        SmallVGG(widths=(4, 0))

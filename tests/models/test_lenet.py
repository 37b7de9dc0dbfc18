"""Tests of models.LeNet5: shapes for each input size, the PyTorch layout, learning, errors."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl.models import LeNet5
from tests.models._training import losses_while_overfitting


@pytest.mark.parametrize(
    "input_size, paddings, flat_features",
    [
        (32, (0, 0), 16 * 5 * 5),  # the original: 32 -> 28 -> 14 -> 10 -> 5
        (28, (2, 0), 16 * 5 * 5),  # MNIST: padded to the original geometry
        (8, (2, 2), 16 * 2 * 2),  # 8x8 digits: 8 -> 8 -> 4 -> 4 -> 2
        (4, (2, 2), 16 * 1 * 1),  # the smallest that works
    ],
)
def test_geometry_for_each_input_size(input_size, paddings, flat_features):
    model = LeNet5(in_channels=3, num_classes=7, input_size=input_size)
    assert (model.features[0].padding, model.features[3].padding) == tuple((p, p) for p in paddings)
    assert model.classifier[1].in_features == flat_features
    assert model(sd.zeros(2, 3, input_size, input_size)).shape == (2, 7)


def test_state_dict_is_the_classic_layout():
    shapes = {key: tuple(value.shape) for key, value in LeNet5().state_dict().items()}
    assert shapes == {
        "features.0.weight": (6, 1, 5, 5),
        "features.0.bias": (6,),
        "features.3.weight": (16, 6, 5, 5),
        "features.3.bias": (16,),
        "classifier.1.weight": (120, 400),
        "classifier.1.bias": (120,),
        "classifier.3.weight": (84, 120),
        "classifier.3.bias": (84,),
        "classifier.5.weight": (10, 84),
        "classifier.5.bias": (10,),
    }
    assert LeNet5().num_parameters() == 61706  # the well-known LeNet-5 count


def test_lenet_overfits_a_tiny_batch(rng):
    x = rng.standard_normal((8, 1, 8, 8)).astype(np.float32)
    y = rng.integers(0, 10, 8)
    losses = losses_while_overfitting(LeNet5(input_size=8), x, y, steps=20)
    assert losses[-1] < 0.3 * losses[0]


def test_errors_say_what_was_expected():
    model = LeNet5()
    with pytest.raises(ValueError, match=r"LeNet5: expected images of shape \(N, 1, 28, 28\); "):
        model(sd.zeros(2, 1, 32, 32))
    with pytest.raises(ValueError, match=r"received \(1, 28, 28\)\. help: add a batch axis"):
        model(sd.zeros(1, 28, 28))
    with pytest.raises(ValueError, match=r"built for in_channels=1; build it with in_channels=3"):
        model(sd.zeros(2, 3, 28, 28))
    with pytest.raises(ValueError, match="input_size must be at least 4"):
        LeNet5(input_size=3)
    with pytest.raises(ValueError, match="LeNet5: num_classes must be a positive integer"):
        LeNet5(num_classes=0)

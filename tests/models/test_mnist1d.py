"""Tests of models.MNIST1DCNN: the paper's shapes and parameter count, learning, errors."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl.models import MNIST1DCNN
from tests.models._training import losses_while_overfitting


def test_shapes_and_parameter_count_of_the_paper_model():
    model = MNIST1DCNN()
    shapes = {key: tuple(value.shape) for key, value in model.state_dict().items()}
    assert shapes == {
        "conv1.weight": (25, 1, 5),
        "conv1.bias": (25,),
        "conv2.weight": (25, 25, 3),
        "conv2.bias": (25,),
        "conv3.weight": (25, 25, 3),
        "conv3.bias": (25,),
        "linear.weight": (10, 125),  # 25 channels x length 5 (40 -> 19 -> 10 -> 5)
        "linear.bias": (10,),
    }
    assert model.num_parameters() == 5210


def test_accepts_flat_or_one_channel_sequences(rng):
    model = MNIST1DCNN(num_classes=4, channels=6, input_length=20)
    x = rng.standard_normal((3, 20)).astype(np.float32)
    flat, channelled = model(sd.tensor(x)), model(sd.tensor(x[:, None, :]))
    assert flat.shape == (3, 4)
    np.testing.assert_array_equal(flat.data, channelled.data)


def test_mnist1d_cnn_overfits_a_tiny_batch(rng):
    x = rng.standard_normal((16, 40)).astype(np.float32)
    y = rng.integers(0, 10, 16)
    losses = losses_while_overfitting(MNIST1DCNN(), x, y, steps=20)
    assert losses[-1] < 0.3 * losses[0]


def test_errors_say_what_was_expected():
    model = MNIST1DCNN()
    with pytest.raises(ValueError, match=r"expected sequences of shape \(N, 40\) or \(N, 1, 40\)"):
        model(sd.zeros(2, 50))
    with pytest.raises(ValueError, match=r"received \(2, 3, 40\)"):
        model(sd.zeros(2, 3, 40))
    with pytest.raises(ValueError, match="input_length must be at least 3"):
        MNIST1DCNN(input_length=2)

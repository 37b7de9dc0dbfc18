"""Tests of models.MLP: layout, activations, state-dict keys, learning, errors."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl import nn
from scratchdl.models import MLP
from tests.models._training import losses_while_overfitting


def test_layers_alternate_linear_and_activation():
    model = MLP([40, 100, 100, 10])
    kinds = [type(layer).__name__ for layer in model]
    assert kinds == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert [(layer.in_features, layer.out_features) for layer in model[::2]] == [
        (40, 100),
        (100, 100),
        (100, 10),
    ]
    assert list(model.state_dict()) == [f"{i}.{p}" for i in (0, 2, 4) for p in ("weight", "bias")]
    assert model(sd.zeros(3, 40)).shape == (3, 10)


def test_activation_by_name_or_factory():
    assert isinstance(MLP([2, 3, 1], activation="tanh")[1], nn.Tanh)
    leaky = MLP([2, 3, 3, 1], activation=lambda: nn.LeakyReLU(0.2))
    assert leaky[1] is not leaky[3] and leaky[3].negative_slope == 0.2
    assert len(MLP([5, 2])) == 1  # no hidden layer: logistic/softmax regression


def test_mlp_overfits_a_tiny_batch(rng):
    x = rng.standard_normal((16, 8)).astype(np.float32)
    y = rng.integers(0, 3, 16)
    losses = losses_while_overfitting(MLP([8, 32, 3]), x, y, steps=30)
    assert losses[-1] < 0.3 * losses[0]


@pytest.mark.parametrize(
    "sizes, activation, error, message",
    [
        ([10], "relu", ValueError, "MLP: sizes must list the input size"),
        ([10, 0, 2], "relu", ValueError, "every entry of sizes must be a positive integer"),
        ([10, 2], "swish", ValueError, "unknown activation='swish'; expected one of 'relu'"),
        ([10, 2], 3, TypeError, "activation must be a name such as 'relu'"),
    ],
)
def test_bad_arguments_are_explained(sizes, activation, error, message):
    with pytest.raises(error, match=message):
        MLP(sizes, activation=activation)

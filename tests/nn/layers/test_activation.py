"""Tests of the activation layers against their torch.nn counterparts."""

from __future__ import annotations

import pytest

from scratchdl import nn
from tests._harness.layers import check_layer

CASES = [
    (lambda: nn.ReLU(), "ReLU", {}),
    (lambda: nn.LeakyReLU(0.2), "LeakyReLU", {"negative_slope": 0.2}),
    (lambda: nn.ELU(0.5), "ELU", {"alpha": 0.5}),
    (lambda: nn.GELU(), "GELU", {}),
    (lambda: nn.GELU("tanh"), "GELU", {"approximate": "tanh"}),
    (lambda: nn.Sigmoid(), "Sigmoid", {}),
    (lambda: nn.Tanh(), "Tanh", {}),
    (lambda: nn.Softplus(beta=2.0), "Softplus", {"beta": 2.0}),
    (lambda: nn.Softmax(axis=1), "Softmax", {"dim": 1}),
    (lambda: nn.LogSoftmax(axis=-1), "LogSoftmax", {"dim": -1}),
]


@pytest.mark.oracle
@pytest.mark.parametrize("case", CASES, ids=[f"{c[1]}{c[2]}" for c in CASES])
def test_activation_layers_match_torch(case):
    import torch

    make, torch_name, kwargs = case
    check_layer(make, lambda: getattr(torch.nn, torch_name)(**kwargs), (4, 5), (4, 5))


def test_activation_repr():
    assert repr(nn.LeakyReLU(0.2)) == "LeakyReLU(negative_slope=0.2)"
    assert repr(nn.Softmax(axis=1)) == "Softmax(axis=1)"

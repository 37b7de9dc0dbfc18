"""Tests of Linear and Identity, against torch.nn.Linear."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl import nn
from scratchdl.ops.linalg import _reference_linear, linear
from tests._harness.gradients import check_gradients
from tests._harness.layers import check_layer


def _torch_nn():
    import torch

    return torch.nn


@pytest.mark.oracle
@pytest.mark.parametrize("bias", [True, False])
@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 3), (3,)], ids=str)
def test_linear_matches_torch(shape, bias):
    check_layer(
        lambda: nn.Linear(3, 4, bias=bias),
        lambda: _torch_nn().Linear(3, 4, bias=bias),
        shape,
        shape[:-1] + (4,),
    )


def test_linear_default_init_bounds_and_dtype():
    sd.manual_seed(0)
    layer = nn.Linear(100, 50)
    bound = 1 / np.sqrt(100)
    assert layer.weight.shape == (50, 100) and layer.weight.dtype == np.float32
    assert np.abs(layer.weight.data).max() <= bound and np.abs(layer.bias.data).max() <= bound
    assert layer.weight.data.std() == pytest.approx(bound / np.sqrt(3), rel=0.05)


def test_fused_linear_equals_reference(rng):
    x, w, b = rng.standard_normal((2, 5, 3)), rng.standard_normal((4, 3)), rng.standard_normal(4)
    check_gradients(linear, x, w, b, double=True)
    tensors = [sd.tensor(a, requires_grad=True) for a in (x, w, b)]
    fused, reference = linear(*tensors), _reference_linear(*tensors)
    np.testing.assert_allclose(fused.data, reference.data, rtol=1e-12)
    g = sd.tensor(rng.standard_normal(fused.shape))
    fast = sd.autograd.grad(fused, tensors, grad_outputs=g)
    slow = sd.autograd.grad(reference, tensors, grad_outputs=g)
    for a, b_ in zip(fast, slow):
        np.testing.assert_allclose(a.data, b_.data, rtol=1e-12)


def test_linear_errors_name_the_layer():
    layer = nn.Linear(784, 128)
    with pytest.raises(
        ValueError,
        match=r"Linear\(in_features=784, out_features=128, bias=True\): input has 100 features "
        r"in its last dimension \(shape \(32, 100\)\); expected 784",
    ):
        layer(sd.zeros(32, 100))
    with pytest.raises(ValueError, match="in_features must be a positive integer; received"):
        nn.Linear(0, 3)


def test_identity_passes_through():
    x = sd.tensor([1.0, 2.0], requires_grad=True)
    assert nn.Identity(5, anything=True)(x) is x


@pytest.mark.oracle
def test_torch_state_dict_loads_into_a_nested_custom_model(rng):
    import torch

    class Ours(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(4, 8), nn.LayerNorm(8), nn.ReLU())
            self.head = nn.Linear(8, 2)

        def forward(self, x):
            return self.head(self.body(x))

    class Theirs(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.body = torch.nn.Sequential(
                torch.nn.Linear(4, 8), torch.nn.LayerNorm(8), torch.nn.ReLU()
            )
            self.head = torch.nn.Linear(8, 2)

        def forward(self, x):
            return self.head(self.body(x))

    theirs, ours = Theirs(), Ours()
    ours.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    x = rng.standard_normal((5, 4)).astype(np.float32)
    np.testing.assert_allclose(
        ours(sd.tensor(x)).data, theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )


def test_functional_linear_and_batched_input(rng):
    from scratchdl.nn import functional as F

    x, w = rng.standard_normal((2, 3, 5)), rng.standard_normal((4, 5))
    check_gradients(lambda a, b: F.linear(a, b), x, w, double=True)

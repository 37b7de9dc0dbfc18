"""Tests of BatchNorm1d, BatchNorm2d and LayerNorm against torch.nn, including running
statistics."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl import nn
from tests._harness.layers import check_layer, load_from_torch


@pytest.mark.oracle
@pytest.mark.parametrize("shape", [(8, 3), (4, 3, 5)], ids=str)
@pytest.mark.parametrize("affine", [True, False])
def test_batchnorm1d_matches_torch(shape, affine):
    import torch

    check_layer(
        lambda: nn.BatchNorm1d(3, affine=affine),
        lambda: torch.nn.BatchNorm1d(3, affine=affine),
        shape,
        shape,
    )


@pytest.mark.oracle
@pytest.mark.parametrize("shape", [(4, 3, 5, 5), (2, 3, 1, 2)], ids=str)
@pytest.mark.parametrize("affine", [True, False])
def test_batchnorm2d_matches_torch(shape, affine):
    import torch

    check_layer(
        lambda: nn.BatchNorm2d(3, affine=affine),
        lambda: torch.nn.BatchNorm2d(3, affine=affine),
        shape,
        shape,
    )


@pytest.mark.oracle
@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("track", [True, False])
@pytest.mark.parametrize(
    "layer_name, shape", [("BatchNorm1d", (16, 4)), ("BatchNorm2d", (4, 4, 3, 5))]
)
def test_batchnorm_running_statistics_follow_torch(rng, momentum, track, layer_name, shape):
    import torch

    layer = getattr(nn, layer_name)(4, momentum=momentum, track_running_stats=track)
    reference = getattr(torch.nn, layer_name)(4, momentum=momentum, track_running_stats=track)
    for _ in range(5):
        x = (rng.standard_normal(shape) * 3 + 1).astype(np.float32)
        out, expected = layer(sd.tensor(x)), reference(torch.tensor(x))
        np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-4, atol=1e-5)
    for name, buffer in layer.named_buffers():
        np.testing.assert_allclose(
            buffer.data, dict(reference.named_buffers())[name].numpy(), rtol=1e-5
        )
    layer.eval()
    reference.eval()
    x = rng.standard_normal((6,) + shape[1:]).astype(np.float32)
    np.testing.assert_allclose(
        layer(sd.tensor(x)).data, reference(torch.tensor(x)).detach().numpy(), rtol=1e-4, atol=1e-5
    )


@pytest.mark.oracle
@pytest.mark.parametrize(
    "normalized_shape, shape", [(5, (3, 5)), ((4, 5), (2, 4, 5)), (5, (2, 3, 5))], ids=str
)
@pytest.mark.parametrize("affine, bias", [(True, True), (True, False), (False, False)])
def test_layernorm_matches_torch(normalized_shape, shape, affine, bias):
    import torch

    check_layer(
        lambda: nn.LayerNorm(normalized_shape, elementwise_affine=affine, bias=bias),
        lambda: torch.nn.LayerNorm(normalized_shape, elementwise_affine=affine, bias=bias),
        shape,
        shape,
    )


@pytest.mark.oracle
def test_trained_torch_batchnorm_state_loads(rng):
    import torch

    reference = torch.nn.BatchNorm1d(3)
    for _ in range(3):
        reference(torch.tensor(rng.standard_normal((8, 3)).astype(np.float32)))
    layer = nn.BatchNorm1d(3)
    load_from_torch(layer, reference)
    assert int(layer.num_batches_tracked.data) == 3
    layer.eval()
    reference.eval()
    x = rng.standard_normal((4, 3)).astype(np.float32)
    np.testing.assert_allclose(
        layer(sd.tensor(x)).data, reference(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-6
    )


def test_batchnorm_errors():
    with pytest.raises(
        ValueError, match=r"BatchNorm1d\(3.*expected an input with 2 axes or 3 axes"
    ):
        nn.BatchNorm1d(3)(sd.zeros(2, 3, 4, 5))
    with pytest.raises(ValueError, match="momentum must be in"):
        nn.BatchNorm1d(3, momentum=2.0)


def test_batchnorm2d_errors_name_the_image_layout():
    with pytest.raises(
        ValueError,
        match=r"BatchNorm2d\(3, .*\): expected an input with 4 axes, \(N, C, H, W\); received "
        r"shape \(2, 3, 4\)",
    ):
        nn.BatchNorm2d(3)(sd.zeros(2, 3, 4))
    with pytest.raises(ValueError, match=r"BatchNorm2d\(4.*input has 3 channels on axis 1"):
        nn.BatchNorm2d(4)(sd.ones(2, 3, 2, 2))
    with pytest.raises(ValueError, match="expected more than 1 value per channel"):
        nn.BatchNorm2d(3)(sd.ones(1, 3, 1, 1))


def test_batchnorm2d_normalises_over_batch_and_space(rng):
    x = (rng.standard_normal((4, 2, 3, 3)) * 5 + 2).astype(np.float32)
    y = nn.BatchNorm2d(2)(sd.tensor(x)).data
    np.testing.assert_allclose(y.mean(axis=(0, 2, 3)), 0, atol=1e-5)
    np.testing.assert_allclose(y.var(axis=(0, 2, 3)), 1, rtol=1e-3)


def test_norm_layers_name_themselves_in_errors():
    with pytest.raises(ValueError, match=r"BatchNorm1d\(4.*input has 3 channels on axis 1"):
        nn.BatchNorm1d(4)(sd.ones(2, 3))
    with pytest.raises(ValueError, match="LayerNorm: normalized_shape must be positive"):
        nn.LayerNorm(-3)
    with pytest.raises(ValueError, match="eps must be a positive number"):
        nn.BatchNorm1d(3, eps=0)

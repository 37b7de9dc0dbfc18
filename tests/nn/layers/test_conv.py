"""Tests of Conv1d, Conv2d and ConvTranspose2d against torch.nn, their init and their errors."""

from __future__ import annotations

import math

import numpy as np
import pytest

import scratchdl as sd
from scratchdl import nn
from tests._harness.layers import check_layer

# (args, kwargs, input shape, expected output shape); the output sizes are worked out by hand
# from out = floor((size + 2p - d(k - 1) - 1) / s) + 1.
CONV2D_CASES = [
    ((2, 3, 3), {}, (2, 2, 5, 5), (2, 3, 3, 3)),
    ((2, 4, (2, 3)), {"stride": 2, "padding": 1}, (2, 2, 5, 6), (2, 4, 3, 3)),
    ((2, 3, 3), {"stride": (2, 1), "padding": (1, 0), "bias": False}, (1, 2, 5, 4), (1, 3, 3, 2)),
    ((4, 6, 3), {"groups": 2, "padding": "same"}, (2, 4, 4, 5), (2, 6, 4, 5)),
    ((2, 2, 2), {"dilation": 2, "padding": "same"}, (2, 2, 5, 5), (2, 2, 5, 5)),
    ((3, 3, 3), {"groups": 3, "dilation": (1, 2), "padding": "valid"}, (1, 3, 5, 7), (1, 3, 3, 3)),
]

CONV1D_CASES = [
    ((1, 4, 5), {"stride": 2, "padding": 1}, (2, 1, 12), (2, 4, 5)),
    ((2, 4, 3), {"padding": "same", "dilation": 2}, (2, 2, 7), (2, 4, 7)),
    ((4, 4, 3), {"groups": 4, "bias": False}, (2, 4, 6), (2, 4, 4)),
    ((2, 3, (2,)), {"stride": (3,), "padding": (1,)}, (1, 2, 8), (1, 3, 3)),
]

# out = (size - 1)s - 2p + d(k - 1) + output_padding + 1
CONV_TRANSPOSE2D_CASES = [
    ((2, 3, 3), {}, (2, 2, 3, 3), (2, 3, 5, 5)),
    ((2, 3, 4), {"stride": 2, "padding": 1}, (2, 2, 3, 3), (2, 3, 6, 6)),
    (
        (4, 2, 3),
        {"stride": 2, "padding": 1, "output_padding": 1, "groups": 2, "bias": False},
        (1, 4, 3, 3),
        (1, 2, 6, 6),
    ),
    (
        (2, 2, (2, 3)),
        {"stride": (2, 1), "padding": (0, 1), "dilation": (1, 2)},
        (2, 2, 3, 4),
        (2, 2, 6, 6),
    ),
]


def _torch_nn():
    import torch

    return torch.nn


ORACLE_CASES = [
    (layer, *case)
    for layer, cases in (
        ("Conv2d", CONV2D_CASES),
        ("Conv1d", CONV1D_CASES),
        ("ConvTranspose2d", CONV_TRANSPOSE2D_CASES),
    )
    for case in cases
]


@pytest.mark.oracle
@pytest.mark.parametrize("layer, args, kwargs, shape, out_shape", ORACLE_CASES, ids=str)
def test_conv_layers_match_torch(layer, args, kwargs, shape, out_shape):
    check_layer(
        lambda: getattr(nn, layer)(*args, **kwargs),
        lambda: getattr(_torch_nn(), layer)(*args, **kwargs),
        shape,
        out_shape,
    )


REPR_CASES = (
    [("Conv2d", args, kwargs) for args, kwargs, *_ in CONV2D_CASES]
    + [("Conv1d", args, kwargs) for args, kwargs, *_ in CONV1D_CASES]
    + [("ConvTranspose2d", args, kwargs) for args, kwargs, *_ in CONV_TRANSPOSE2D_CASES]
)


@pytest.mark.oracle
@pytest.mark.parametrize("layer, args, kwargs", REPR_CASES, ids=str)
def test_repr_matches_torch(layer, args, kwargs):
    ours, theirs = getattr(nn, layer)(*args, **kwargs), getattr(_torch_nn(), layer)(*args, **kwargs)
    assert repr(ours) == repr(theirs)


@pytest.mark.parametrize(
    "make, weight_shape, fan_in",
    [
        (lambda: nn.Conv2d(8, 32, 3, groups=2), (32, 4, 3, 3), 4 * 9),
        (lambda: nn.Conv1d(6, 12, 5), (12, 6, 5), 6 * 5),
        # PyTorch (and so scratchdl) reads fan_in from weight axis 1: C_out/groups for transpose.
        (lambda: nn.ConvTranspose2d(6, 32, (3, 2), groups=2), (6, 16, 3, 2), 16 * 6),
    ],
    ids=["Conv2d", "Conv1d", "ConvTranspose2d"],
)
def test_default_init_is_uniform_in_one_over_sqrt_fan_in(make, weight_shape, fan_in):
    layer = make()
    bound = 1 / math.sqrt(fan_in)
    weight, bias = layer.weight.data, layer.bias.data
    assert weight.shape == weight_shape and weight.dtype == np.float32
    assert bias.shape == (layer.out_channels,) and bias.dtype == np.float32
    assert np.abs(weight).max() <= bound and np.abs(bias).max() <= bound
    assert np.abs(weight).max() > 0.9 * bound  # uses the whole range, not a smaller one
    assert weight.std() == pytest.approx(bound / math.sqrt(3), rel=0.1)


def test_dtype_argument_and_float32_output():
    layer = nn.Conv2d(1, 2, 3, dtype=np.float64)
    assert layer.weight.dtype == np.float64 and layer.bias.dtype == np.float64
    assert nn.Conv2d(1, 2, 3)(sd.zeros(1, 1, 4, 4)).dtype == np.float32


def test_weights_receive_gradients_through_a_conv_net(rng):
    net = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.ReLU(), nn.ConvTranspose2d(4, 1, 2, stride=2)
    )
    out = net(sd.tensor(rng.standard_normal((2, 1, 4, 4)).astype(np.float32)))
    assert out.shape == (2, 1, 8, 8)
    (out * out).sum().backward()
    assert all(p.grad is not None and np.abs(p.grad.data).sum() > 0 for p in net.parameters())


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: nn.Conv2d(4, 6, 3, groups=3), "Conv2d: groups=3 must divide both in_channels=4"),
        (lambda: nn.Conv2d(0, 6, 3), r"Conv2d: in_channels must be a positive integer; received"),
        (lambda: nn.Conv1d(2, True, 3), "Conv1d: out_channels must be a positive integer"),
        (lambda: nn.Conv2d(2, 2, 0), r"Conv2d: kernel_size must be an int >= 1 or a tuple of 2"),
        (lambda: nn.Conv2d(2, 2, (3, 3, 3)), r"received kernel_size=\(3, 3, 3\)"),
        (lambda: nn.Conv2d(2, 2, 3, stride=0), "Conv2d: stride must be an int >= 1"),
        (lambda: nn.Conv2d(2, 2, 3, padding=-1), "Conv2d: padding must be an int >= 0"),
        (lambda: nn.Conv2d(2, 2, 3, padding="full"), "'same' or 'valid'; received padding='full'"),
        (
            lambda: nn.Conv2d(2, 2, 3, stride=2, padding="same"),
            r"padding='same' keeps the output .* received stride=\(2, 2\)",
        ),
        (lambda: nn.ConvTranspose2d(2, 2, 3, padding="same"), "a transposed convolution has no"),
        (
            lambda: nn.ConvTranspose2d(2, 2, 3, stride=2, output_padding=2),
            r"output_padding must be smaller than stride.* output_padding=\(2, 2\)",
        ),
        (lambda: nn.Conv1d(2, 2, 3, dilation=(1, 1)), "Conv1d: dilation must be an int >= 1"),
    ],
)
def test_bad_arguments_are_explained(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_forward_errors_name_the_layer_and_the_shapes():
    conv = nn.Conv2d(3, 8, 3)
    with pytest.raises(
        ValueError,
        match=r"Conv2d\(3, 8, kernel_size=\(3, 3\), stride=\(1, 1\)\): expected an input of "
        r"shape \(N, C, H, W\) with C=3; received shape \(3, 8, 8\)\. help: .*unsqueeze",
    ):
        conv(sd.zeros(3, 8, 8))
    with pytest.raises(ValueError, match=r"input has 1 channels on axis 1 .*expected in_chann"):
        conv(sd.zeros(2, 1, 8, 8))
    with pytest.raises(ValueError, match=r"Conv1d\(.*\(N, C, L\) with C=2"):
        nn.Conv1d(2, 4, 3)(sd.zeros(2, 6))
    with pytest.raises(ValueError, match="kernel larger than the padded input"):
        conv(sd.zeros(1, 3, 2, 2))

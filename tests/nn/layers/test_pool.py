"""Tests of the pooling and upsampling layers against torch.nn, their repr and their errors."""

from __future__ import annotations

import pytest

import scratchdl as sd
from scratchdl import nn
from tests._harness.layers import check_layer

# (layer name, args, kwargs, input shape, expected output shape). Output sizes by hand from
# out = floor((size + 2p - d(k - 1) - 1) / s) + 1, with s = k when stride is not given.
CASES = [
    ("MaxPool2d", (2,), {}, (2, 3, 4, 6), (2, 3, 2, 3)),
    ("MaxPool2d", (3,), {"stride": 2, "padding": 1}, (2, 2, 5, 5), (2, 2, 3, 3)),
    ("MaxPool2d", ((2, 3),), {"stride": (1, 2), "dilation": (2, 1)}, (1, 2, 5, 7), (1, 2, 3, 3)),
    ("MaxPool1d", (2,), {}, (2, 3, 7), (2, 3, 3)),
    ("MaxPool1d", (3,), {"stride": 2, "padding": 1}, (2, 2, 8), (2, 2, 4)),
    ("AvgPool2d", (2,), {}, (2, 3, 4, 5), (2, 3, 2, 2)),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1}, (1, 2, 5, 6), (1, 2, 3, 3)),
    (
        "AvgPool2d",
        ((3, 2),),
        {"stride": 1, "padding": (1, 1), "count_include_pad": False},
        (1, 2, 4, 4),
        (1, 2, 4, 5),
    ),
    ("AdaptiveAvgPool2d", (1,), {}, (2, 3, 5, 4), (2, 3, 1, 1)),
    ("AdaptiveAvgPool2d", ((2, 3),), {}, (2, 2, 5, 7), (2, 2, 2, 3)),
    ("Upsample", (), {"scale_factor": 2}, (2, 2, 2, 3), (2, 2, 4, 6)),
    ("Upsample", (), {"scale_factor": (1, 3), "mode": "nearest"}, (1, 2, 3, 2), (1, 2, 3, 6)),
]


@pytest.mark.oracle
@pytest.mark.parametrize("name, args, kwargs, shape, out_shape", CASES, ids=str)
def test_pool_layers_match_torch(name, args, kwargs, shape, out_shape):
    import torch

    check_layer(
        lambda: getattr(nn, name)(*args, **kwargs),
        lambda: getattr(torch.nn, name)(*args, **kwargs),
        shape,
        out_shape,
    )


def test_reprs_read_like_the_call():
    assert (
        repr(nn.MaxPool2d(3, 2, 1)) == "MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1)"
    )
    assert repr(nn.MaxPool1d(2)) == "MaxPool1d(kernel_size=2, stride=2, padding=0)"
    assert repr(nn.AvgPool2d((2, 3))) == "AvgPool2d(kernel_size=(2, 3), stride=(2, 3), padding=0)"
    assert repr(nn.AdaptiveAvgPool2d((1, 1))) == "AdaptiveAvgPool2d(output_size=(1, 1))"
    assert repr(nn.Upsample(scale_factor=2)) == "Upsample(scale_factor=2, mode='nearest')"


def test_global_average_pool_is_the_mean_per_channel(rng):
    x = rng.standard_normal((2, 3, 4, 5))
    out = nn.AdaptiveAvgPool2d(1)(sd.tensor(x))
    assert out.shape == (2, 3, 1, 1)
    assert out.data[..., 0, 0] == pytest.approx(x.mean(axis=(2, 3)), rel=1e-12)


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: nn.MaxPool2d(0), r"MaxPool2d: kernel_size must be an int >= 1 .*kernel_size=0"),
        (lambda: nn.MaxPool2d(2, stride=(1, 2, 3)), "MaxPool2d: stride must be an int >= 1"),
        (lambda: nn.MaxPool2d(2, padding=2), "MaxPool2d: padding must be at most half the kern"),
        (lambda: nn.MaxPool2d(2, dilation=0), "MaxPool2d: dilation must be an int >= 1"),
        (
            lambda: nn.MaxPool1d((2, 2)),
            "MaxPool1d: kernel_size must be an int >= 1 or a tuple of 1",
        ),
        (lambda: nn.AvgPool2d(3, padding=(1, 2)), r"padding=\(1, 2\), kernel_size=3"),
        (lambda: nn.AdaptiveAvgPool2d(0), "AdaptiveAvgPool2d: output_size must be an int >= 1"),
        (lambda: nn.Upsample(scale_factor=1.5), r"Upsample: scale_factor must be a positive int"),
        (lambda: nn.Upsample(scale_factor=True), "received scale_factor=True"),
        (lambda: nn.Upsample(scale_factor=2, mode="bilinear"), "only mode='nearest' is impl"),
    ],
)
def test_bad_arguments_are_explained(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_forward_errors_name_the_op_and_the_shape():
    with pytest.raises(ValueError, match=r"max_pool2d: expected input of shape \(N, C, H, W\)"):
        nn.MaxPool2d(2)(sd.zeros(3, 4, 4))
    with pytest.raises(ValueError, match=r"max_pool1d: expected input of shape \(N, C, L\)"):
        nn.MaxPool1d(2)(sd.zeros(3, 4, 4, 4))
    with pytest.raises(ValueError, match="larger than the padded input"):
        nn.AvgPool2d(5)(sd.zeros(1, 1, 3, 3))

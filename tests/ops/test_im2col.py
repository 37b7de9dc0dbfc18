"""Tests of ops/im2col.py: im2col/col2im against PyTorch's unfold/fold, adjointness, sizes, and
the flat stride-1 columns against the general ones."""

from __future__ import annotations

import numpy as np
import pytest

from scratchdl.ops.im2col import (
    _flat_cols,
    _group_cols,
    _spec,
    col2im,
    conv_output_size,
    im2col,
)


@pytest.mark.oracle
def test_im2col_col2im_match_unfold_fold(rng):
    import torch
    import torch.nn.functional as TF

    x = rng.standard_normal((2, 3, 7, 6))
    cols = im2col(x, (3, 2), stride=2, padding=1, dilation=(1, 2))
    expected = TF.unfold(torch.tensor(x), (3, 2), dilation=(1, 2), padding=1, stride=2)
    np.testing.assert_array_equal(cols, expected.numpy())
    folded = col2im(cols, x.shape, (3, 2), stride=2, padding=1, dilation=(1, 2))
    expected = TF.fold(torch.tensor(cols), (7, 6), (3, 2), dilation=(1, 2), padding=1, stride=2)
    np.testing.assert_allclose(folded, expected.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    ("shape", "kernel", "kw"),
    [
        ((2, 3, 6, 5), (3, 3), {}),
        ((1, 2, 7, 7), (2, 3), {"stride": 2, "padding": 1}),
        ((2, 1, 8, 6), (3, 2), {"stride": (1, 2), "padding": (2, 0), "dilation": 2}),
    ],
)
def test_col2im_is_adjoint_of_im2col(rng, shape, kernel, kw):
    x = rng.standard_normal(shape)
    cols = im2col(x, kernel, **kw)
    c = rng.standard_normal(cols.shape)
    lhs = np.sum(cols * c)
    rhs = np.sum(x * col2im(c, shape, kernel, **kw))
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12)


def test_conv_output_size_formula():
    assert conv_output_size(32, 3, 1, 1) == 32
    assert conv_output_size(32, 3, 2, 1) == 16
    assert conv_output_size(224, 7, 2, 3) == 112
    assert conv_output_size(10, 3, 1, 0, dilation=2) == 6
    assert conv_output_size(5, 2, 1, (0, 1)) == 5  # asymmetric 'same' padding


@pytest.mark.parametrize(
    ("shape", "kernel", "kw"),
    [
        ((2, 3, 5, 6), (3, 3), {"padding": 1}),
        ((1, 4, 4, 7), (2, 3), {"padding": (1, 0), "dilation": (1, 2), "groups": 2}),
        ((3, 2, 6, 5), (3, 3), {"padding": "same"}),
    ],
)
def test_flat_columns_are_the_general_columns_on_the_padded_width(rng, shape, kernel, kw):
    x = rng.standard_normal(shape)
    kw = {"stride": 1, "dilation": 1, "groups": 1, **kw}
    spec = _spec("test", kernel, kw["stride"], kw.get("padding", 0), kw["dilation"], kw["groups"])
    general = _group_cols(x, *kernel, spec)  # (G, K, N·OH·OW)
    flat, oh, wp = _flat_cols(x, *kernel, spec)  # (G, K, N·OH·Wp)
    g, k = general.shape[:2]
    ow = general.shape[2] // (shape[0] * oh)
    wide = flat.reshape(g, k, shape[0], oh, wp)
    np.testing.assert_array_equal(wide[..., :ow], general.reshape(g, k, shape[0], oh, ow))

"""Tests of the Dropout layer: train/eval behaviour and argument checks."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl import nn
from tests._harness.layers import check_layer


@pytest.mark.oracle
def test_dropout_is_identity_in_eval_like_torch():
    import torch

    check_layer(
        lambda: nn.Dropout(0.3), lambda: torch.nn.Dropout(0.3), (4, 6), (4, 6), compare_train=False
    )


def test_dropout_train_mode_zeroes_and_scales():
    sd.manual_seed(0)
    layer = nn.Dropout(0.25)
    x = sd.ones(200, 200, requires_grad=True)
    y = layer(x)
    kept = y.data != 0
    assert abs(kept.mean() - 0.75) < 0.01
    np.testing.assert_allclose(y.data[kept], 1 / 0.75)
    y.sum().backward()
    np.testing.assert_allclose(x.grad.data, kept / 0.75)
    layer.eval()
    assert np.array_equal(layer(x).data, x.data)


def test_dropout_rejects_bad_p():
    with pytest.raises(ValueError, match=r"Dropout: p .* between 0 and 1; received p=-0.1"):
        nn.Dropout(-0.1)
    assert repr(nn.Dropout(0.2)) == "Dropout(p=0.2)"

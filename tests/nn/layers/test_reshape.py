"""Tests of the Flatten layer against torch.nn.Flatten."""

from __future__ import annotations

import pytest

from scratchdl import nn
from tests._harness.layers import check_layer


@pytest.mark.oracle
@pytest.mark.parametrize(
    "axes, shape, out", [((1, -1), (2, 3, 4), (2, 12)), ((0, 1), (2, 3, 4), (6, 4))]
)
def test_flatten_matches_torch(axes, shape, out):
    import torch

    check_layer(lambda: nn.Flatten(*axes), lambda: torch.nn.Flatten(*axes), shape, out)

"""Tests of the Embedding layer against torch.nn.Embedding."""

from __future__ import annotations

import numpy as np
import pytest

from scratchdl import nn
from tests._harness.layers import check_layer


def _ids(rng, shape):
    return rng.integers(0, 6, shape)  # repeated ids included


@pytest.mark.oracle
@pytest.mark.parametrize("shape", [(7,), (2, 5)], ids=str)
def test_embedding_matches_torch(shape):
    import torch

    check_layer(
        lambda: nn.Embedding(6, 3),
        lambda: torch.nn.Embedding(6, 3),
        shape,
        shape + (3,),
        make_input=_ids,
    )


def test_embedding_init_and_errors():
    layer = nn.Embedding(1000, 16)
    assert abs(layer.weight.data.std() - 1.0) < 0.05 and layer.weight.dtype == np.float32
    with pytest.raises(ValueError, match="num_embeddings must be a positive integer"):
        nn.Embedding(0, 3)
    assert repr(nn.Embedding(6, 3)) == "Embedding(6, 3)"

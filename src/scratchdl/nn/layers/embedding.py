"""Embedding: a learned lookup table from integer ids (tokens, classes) to vectors."""

from __future__ import annotations

import numpy as np

from scratchdl import backend
from scratchdl.nn import init
from scratchdl.nn.module import Module
from scratchdl.nn.parameter import Parameter
from scratchdl.ops.misc import embedding
from scratchdl.tensor import Tensor


class Embedding(Module):
    """y[...] = weight[ids[...]]: row ``i`` of a (num_embeddings, embedding_dim) table per id.

    The gradient adds into the rows that were looked up (repeated ids add up). Initialised from
    N(0, 1), as in PyTorch. Output shape: ids.shape + (embedding_dim,).
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, dtype=None) -> None:
        super().__init__()
        for name, value in (("num_embeddings", num_embeddings), ("embedding_dim", embedding_dim)):
            if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
                raise ValueError(
                    f"Embedding: {name} must be a positive integer; received {name}={value!r}."
                )
        self.num_embeddings, self.embedding_dim = int(num_embeddings), int(embedding_dim)
        dtype = dtype or backend.get_default_dtype()
        self.weight = Parameter(np.empty((self.num_embeddings, self.embedding_dim), dtype=dtype))
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Standard normal entries (PyTorch's default)."""
        init.normal_(self.weight)

    def forward(self, ids) -> Tensor:
        return embedding(ids, self.weight)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}"

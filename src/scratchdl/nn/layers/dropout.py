"""Dropout: randomly zero activations during training, so units cannot co-adapt."""

from __future__ import annotations

import numpy as np

from scratchdl.nn.module import Module
from scratchdl.ops.misc import dropout
from scratchdl.tensor import Tensor


class Dropout(Module):
    """Zero each element with probability ``p`` in training and scale the rest by 1/(1-p).

    In eval mode it is the identity (inverted dropout: no rescaling is needed at test time).
    Reference: Srivastava et al., "Dropout", JMLR 2014.
    """

    def __init__(self, p: float = 0.5) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float, np.floating)) or not 0 <= p <= 1:
            raise ValueError(
                f"Dropout: p is the probability of zeroing an element and must be between 0 "
                f"and 1; received p={p!r}."
            )
        self.p = float(p)

    def forward(self, x: Tensor) -> Tensor:
        return dropout(x, self.p, training=self.training)

    def extra_repr(self) -> str:
        return f"p={self.p}"

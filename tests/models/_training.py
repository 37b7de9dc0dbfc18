"""A few optimisation steps on one tiny batch: the smoke test that a model can learn at all."""

from __future__ import annotations

import numpy as np

import scratchdl as sd
from scratchdl import optim
from scratchdl.nn import functional as F


def losses_while_overfitting(
    model, x: np.ndarray, y: np.ndarray, steps: int, lr: float = 1e-2
) -> list[float]:
    """Train ``model`` with Adam on the batch (x, y) for ``steps`` steps; the loss of each."""
    opt = optim.Adam(model.parameters(), lr=lr)
    losses = []
    for _ in range(steps):
        loss = F.cross_entropy(model(sd.tensor(x)), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses

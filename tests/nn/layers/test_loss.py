"""Tests of the loss modules: they must equal torch.nn's loss modules and their functions."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl import nn


def _data(rng, name):
    if name in ("CrossEntropyLoss",):
        return rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
    if name == "NLLLoss":
        logits = rng.standard_normal((6, 4))
        return logits - np.log(np.exp(logits).sum(1, keepdims=True)), rng.integers(0, 4, 6)
    if name == "BCELoss":
        return rng.uniform(0.05, 0.95, (6, 2)), rng.uniform(0, 1, (6, 2))
    return rng.standard_normal((6, 2)) * 2, rng.standard_normal((6, 2))


CASES = [
    ("MSELoss", {}),
    ("L1Loss", {"reduction": "sum"}),
    ("HuberLoss", {"delta": 0.5}),
    ("BCELoss", {"reduction": "none"}),
    ("BCEWithLogitsLoss", {}),
    ("CrossEntropyLoss", {"label_smoothing": 0.1}),
    ("NLLLoss", {"ignore_index": 2}),
]


@pytest.mark.oracle
@pytest.mark.parametrize("name, kwargs", CASES, ids=[c[0] for c in CASES])
def test_loss_modules_match_torch(rng, name, kwargs):
    import torch

    x, t = _data(rng, name)
    x = x.astype(np.float32)
    t = t.astype(np.float32) if t.dtype.kind == "f" else t
    ours, theirs = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    sx, tx = sd.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    out, expected = ours(sx, sd.tensor(t)), theirs(tx, torch.tensor(t))
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-5, atol=1e-6)
    g = rng.standard_normal(out.shape).astype(np.float32)
    out.backward(sd.tensor(g))
    expected.backward(torch.tensor(g))
    np.testing.assert_allclose(sx.grad.data, tx.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_loss_module_errors_and_repr():
    with pytest.raises(
        ValueError, match=r"MSELoss: reduction must be one of .*received reduction='avg'"
    ):
        nn.MSELoss(reduction="avg")
    assert repr(nn.CrossEntropyLoss()) == "CrossEntropyLoss(reduction='mean')"
    with pytest.raises(ValueError, match="mse_loss: target shape"):
        nn.MSELoss()(sd.zeros(3), sd.zeros(4))

"""Tests of the explicit L2 penalty: its gradient is SGD's coupled weight decay."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl import nn


def test_l2_penalty_value_and_gradient():
    w = sd.tensor([[1.0, -2.0]], requires_grad=True)
    b = sd.tensor([3.0], requires_grad=True)
    penalty = nn.l2_penalty([w, b], weight_decay=0.1)
    assert penalty.item() == pytest.approx(0.05 * (1 + 4 + 9))
    penalty.backward()
    np.testing.assert_allclose(w.grad.data, 0.1 * w.data)


def test_l2_penalty_errors():
    with pytest.raises(ValueError, match="weight_decay must be >= 0"):
        nn.l2_penalty([sd.ones(1)], -1.0)
    with pytest.raises(ValueError, match="no parameters"):
        nn.l2_penalty([], 0.1)

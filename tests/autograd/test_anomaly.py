"""Tests of detect_anomaly: the error names the op and the user's line."""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from scratchdl.errors import AnomalyError


def test_forward_nan_names_op_and_line():
    x = sd.tensor([1.0, -1.0], requires_grad=True)
    with sd.autograd.detect_anomaly():
        with pytest.raises(AnomalyError, match=r"forward of PowScalar.*test_anomaly.py:\d+"):
            x**0.5  # sqrt(-1) = nan


def test_backward_inf_names_op():
    w = sd.tensor([0.0, 4.0], requires_grad=True)
    with sd.autograd.detect_anomaly():
        root = w**0.5  # forward is finite: sqrt(0) = 0
        with pytest.raises(AnomalyError, match=r"backward of PowScalar.*inf.*test_anomaly.py"):
            root.sum().backward()  # d/dw sqrt(w) = 1 / (2 sqrt(w)) is inf at 0


def test_forward_hint_when_inputs_already_bad():
    x = sd.tensor([np.nan, 1.0], requires_grad=True)
    with sd.autograd.detect_anomaly():
        with pytest.raises(AnomalyError, match=r"inputs \[0\] already held NaN"):
            x * 2.0


def test_anomaly_mode_is_off_outside_block():
    x = sd.tensor([-1.0], requires_grad=True)
    with sd.autograd.detect_anomaly():
        pass
    y = x**0.5  # no error outside the block
    assert np.isnan(y.data).all()


def test_double_backward_anomaly_names_the_backward_pass():
    x = sd.tensor([0.0, 1.0], requires_grad=True)
    with sd.autograd.detect_anomaly():
        (dx,) = sd.autograd.grad((x**1.5).sum(), x, create_graph=True)  # 1.5 x^0.5: finite
        with pytest.raises(AnomalyError, match=r"the backward of PowScalar \(created at .*test_"):
            dx.sum().backward()  # 0.75 x^-0.5 is inf at 0

"""Automatic differentiation: the Function contract, the backward engine, grad mode switches,
anomaly detection and the finite-difference gradient checker."""

from scratchdl.autograd.anomaly import detect_anomaly
from scratchdl.autograd.engine import backward, grad
from scratchdl.autograd.function import Function
from scratchdl.autograd.grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from scratchdl.autograd.gradcheck import GradcheckError, gradcheck, gradgradcheck

__all__ = [
    "Function",
    "GradcheckError",
    "backward",
    "detect_anomaly",
    "enable_grad",
    "grad",
    "gradcheck",
    "gradgradcheck",
    "is_grad_enabled",
    "no_grad",
    "set_grad_enabled",
]

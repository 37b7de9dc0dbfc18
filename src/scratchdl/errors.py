"""scratchdl's exceptions.

Each error also inherits the Python builtin a user would expect, so ``except ValueError`` keeps
working: a shape mismatch is a ``ShapeError`` and a ``ValueError``.
"""

from __future__ import annotations


class ScratchdlError(Exception):
    """Base class of every error scratchdl raises on purpose."""


class ShapeError(ScratchdlError, ValueError):
    """Shapes that do not fit the operation (broadcasting, matmul, reshape, ...)."""


class DTypeError(ScratchdlError, TypeError):
    """A dtype the operation cannot take (for example an integer tensor asked to require grad)."""


class GradientError(ScratchdlError, RuntimeError):
    """Misuse of autograd: a freed graph, a non-scalar backward without a gradient, ..."""


class AnomalyError(ScratchdlError, RuntimeError):
    """Raised inside ``detect_anomaly()`` when an op produces NaN or infinity."""


class ModuleStateError(ScratchdlError, RuntimeError):
    """Misuse of a Module: attributes set before ``__init__``, a wrong kind of value, ..."""

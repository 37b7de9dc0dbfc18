"""``detect_anomaly()``: stop at the first op whose forward or backward makes NaN or infinity.

Inside the block every op remembers the line of user code that created it, and every forward
output and backward gradient is checked. The error names the op and that line, which is usually
the fastest way from "loss is nan" to the bug. It slows every op down; use it while debugging.
"""

from __future__ import annotations

import contextlib
import os
import sys

import numpy as np

from scratchdl.autograd.grad_mode import state
from scratchdl.errors import AnomalyError

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def creation_site() -> str:
    """Where an op is being created: the user's line, or the backward pass that builds it."""
    node = state.backward_of
    if node is not None:
        return f"the backward of {node.name} (created at {node.created_at})"
    return user_frame()


def user_frame() -> str:
    """'file:line in function' of the innermost caller outside the scratchdl package."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return "<unknown location>"
    code = frame.f_code
    return f"{code.co_filename}:{frame.f_lineno} in {code.co_name}"


def _describe(array: np.ndarray) -> str:
    nan = int(np.isnan(array).sum())
    inf = int(np.isinf(array).sum())
    return f"{nan} NaN and {inf} inf among {array.size} values (shape {array.shape})"


def _is_finite(array: np.ndarray) -> bool:
    return array.dtype.kind != "f" or bool(np.isfinite(array).all())


def check_forward(fn, inputs, out: np.ndarray) -> None:
    """Raise AnomalyError if the forward output of ``fn`` is not finite.

    Ops running inside a backward pass are not checked one by one: the gradient the backward
    returns is (``check_backward``), which names the op whose derivative went wrong.
    """
    if state.backward_of is not None or _is_finite(out):
        return
    bad_inputs = [i for i, t in enumerate(inputs) if not _is_finite(t.data)]
    hint = (
        f" Its inputs {bad_inputs} already held NaN/inf: look at where they came from."
        if bad_inputs
        else " Its inputs were finite, so this op made them (log of 0, overflow, 0/0, ...)."
    )
    raise AnomalyError(
        f"detect_anomaly: forward of {fn.name} produced {_describe(out)}; the op was created at "
        f"{fn.created_at}.{hint}"
    )


def check_backward(fn, grads) -> None:
    """Raise AnomalyError if a gradient returned by ``fn.backward`` is not finite."""
    for index, dx in enumerate(grads):
        if dx is not None and not _is_finite(dx.data):
            raise AnomalyError(
                f"detect_anomaly: backward of {fn.name} produced {_describe(dx.data)} in the "
                f"gradient of its input {index}; the op was created at {fn.created_at}."
            )


@contextlib.contextmanager
def detect_anomaly():
    """Context manager: raise at the first op whose forward or backward makes NaN or inf.

    Examples
    --------
    >>> import scratchdl as sd
    >>> x = sd.tensor([0.0], requires_grad=True)
    >>> with sd.autograd.detect_anomaly():  # doctest: +ELLIPSIS
    ...     y = sd.log(x)
    Traceback (most recent call last):
    scratchdl.errors.AnomalyError: detect_anomaly: forward of Log produced 0 NaN and 1 inf ...
    """
    previous = state.anomaly
    state.anomaly = True
    try:
        yield
    finally:
        state.anomaly = previous

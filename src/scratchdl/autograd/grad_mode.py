"""Switches that decide whether ops record the graph: ``no_grad`` and ``enable_grad``.

The state is per thread, as in PyTorch: a ``no_grad`` block in one thread (an evaluation running
beside training, a data-loading worker) never turns recording off in another.
"""

from __future__ import annotations

import contextlib
import threading


class _GradState(threading.local):
    """Autograd switches of the current thread, read by ``Function.apply`` on every op.

    The class attributes are each new thread's starting values.
    """

    enabled = True
    anomaly = False
    backward_of = None  # in anomaly mode: the node whose backward is running, if any


state = _GradState()


def is_grad_enabled() -> bool:
    """True when ops record the graph for backward."""
    return state.enabled


class _SetGradEnabled(contextlib.ContextDecorator):
    """Context manager and decorator that sets grad mode and restores the previous one on exit.

    As a decorator it makes a fresh context for every call, so recursive or nested decorated
    calls each restore exactly what they found.
    """

    mode = True

    def __new__(cls, *args):
        # ``@sd.no_grad`` without parentheses: the class was handed the function itself.
        if cls is not set_grad_enabled and len(args) == 1 and callable(args[0]):
            return cls()(args[0])
        return super().__new__(cls)

    def _recreate_cm(self):
        return type(self)() if type(self) is not set_grad_enabled else set_grad_enabled(self.mode)

    def __enter__(self) -> None:
        self._previous = state.enabled
        state.enabled = self.mode

    def __exit__(self, *exc) -> None:
        state.enabled = self._previous


class no_grad(_SetGradEnabled):  # noqa: N801  (PyTorch's name)
    """Stop recording: ops inside make no graph nodes and their results do not require grad.

    Use it for evaluation and for optimizer updates. Works as ``with sd.no_grad():`` and as a
    decorator, ``@sd.no_grad()`` or ``@sd.no_grad``.
    """

    mode = False


class enable_grad(_SetGradEnabled):  # noqa: N801
    """Record the graph again inside a ``no_grad`` block (context manager or decorator)."""

    mode = True


class set_grad_enabled(_SetGradEnabled):  # noqa: N801
    """Set grad mode to ``mode`` (True or False).

    As in PyTorch it takes effect when called, so ``sd.set_grad_enabled(False)`` alone switches
    recording off; used with ``with``, the previous mode comes back at the end of the block.
    """

    def __init__(self, mode: bool) -> None:
        self.mode = bool(mode)
        self._previous = state.enabled
        state.enabled = self.mode

    def __enter__(self) -> None:
        pass  # the mode was set when the object was made

"""Tensor: an array plus what autograd needs to send gradients back through it.

A Tensor wraps one array of the backend (``data``). If it ``requires_grad``, ops that use it record
themselves in a graph, and ``backward()`` fills ``grad`` (itself a Tensor, so gradients can be
differentiated again). A tensor made by an op remembers that op in ``grad_fn``; a tensor made by the
user (a leaf) has ``grad_fn = None``.

Most methods here are one line that hands the work to a function in ``scratchdl.ops``, where the
forward formula and its hand-derived gradient live side by side.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from scratchdl import backend
from scratchdl.errors import DTypeError, GradientError, ShapeError


def _to_array(data: Any, dtype=None) -> np.ndarray:
    """Convert user data to an array: Python floats take the default dtype, arrays keep theirs."""
    if isinstance(data, Tensor):
        data = data.data
    if dtype is not None:
        return np.array(data, dtype=dtype)
    if isinstance(data, (np.ndarray, np.generic)):
        return np.array(data)  # a copy that keeps the array's (or NumPy scalar's) dtype
    try:
        array = np.array(data)
    except ValueError as error:
        raise ShapeError(
            f"tensor: could not make an array from the data ({error}). Nested lists must be "
            "rectangular: every row the same length, e.g. [[1, 2], [3, 4]]."
        ) from None
    if array.dtype.kind == "f" or array.dtype == object:
        array = array.astype(backend.get_default_dtype())
    return array


class Tensor:
    """An n-dimensional array that can record operations for automatic differentiation.

    Parameters
    ----------
    data : array_like
        Numbers, nested lists, or an ndarray. Python floats become the default dtype (float32);
        NumPy arrays keep their dtype, as in ``torch.tensor``.
    dtype : dtype, optional
        Force a dtype.
    requires_grad : bool
        Record operations on this tensor so that ``backward()`` computes its gradient. Only
        floating tensors may require grad.
    """

    __slots__ = ("data", "grad", "_requires_grad", "grad_fn", "_hooks", "name", "__weakref__")
    # NumPy defers to our reflected operators (ndarray + Tensor -> Tensor.__radd__).
    __array_ufunc__ = None

    def __init__(self, data: Any, dtype=None, requires_grad: bool = False) -> None:
        self._setup(_to_array(data, dtype), requires_grad)

    def _setup(self, array: np.ndarray, requires_grad: bool) -> None:
        self.data = array
        self.grad: Tensor | None = None
        self.grad_fn = None
        self._hooks: list | None = None
        self.name: str | None = None
        self._requires_grad = False
        self.requires_grad = requires_grad

    @classmethod
    def _from_op(cls, data: np.ndarray, grad_fn) -> Tensor:
        """Fast internal constructor for op outputs (no conversion, no checks).

        ``Function.apply`` inlines the same assignments; keep the two in step.
        """
        t = cls.__new__(cls)
        t.data = data
        t.grad = None
        t.grad_fn = grad_fn
        t._requires_grad = grad_fn is not None
        t._hooks = None
        t.name = None
        return t

    # ----------------------------------------------------------------- autograd state
    @property
    def requires_grad(self) -> bool:
        return self._requires_grad

    @requires_grad.setter
    def requires_grad(self, value: bool) -> None:
        value = bool(value)
        if value and self.data.dtype.kind != "f":
            raise DTypeError(
                f"Tensor: only floating-point tensors can require grad; this tensor has "
                f"dtype={self.data.dtype} (shape {self.data.shape}). Convert it first, for "
                "example x.astype('float32'), or make it with a float dtype."
            )
        if self.grad_fn is not None and not value:
            raise GradientError(
                f"Tensor: cannot turn off requires_grad on a tensor made by {self.grad_fn.name}; "
                "use x.detach() to get a copy outside the graph."
            )
        self._requires_grad = value

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place and return self."""
        self.requires_grad = requires_grad
        return self

    @property
    def is_leaf(self) -> bool:
        """True for tensors made by the user rather than by an op."""
        return self.grad_fn is None

    def backward(
        self,
        gradient: Tensor | np.ndarray | None = None,
        retain_graph: bool | None = None,
        create_graph: bool = False,
    ) -> None:
        """Compute the gradient of this tensor with respect to every leaf that requires grad.

        Gradients are added into each leaf's ``.grad``. For a non-scalar tensor pass
        ``gradient``, the vector in the vector-Jacobian product (shaped like this tensor).
        ``retain_graph`` keeps the saved values for another backward (default: ``create_graph``);
        ``create_graph`` records the backward pass so gradients can be differentiated again.
        """
        from scratchdl.autograd.engine import backward

        backward(self, gradient, retain_graph=retain_graph, create_graph=create_graph)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> _HookHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed.

        The hook may return a new gradient to use instead (to clip or scale it) or ``None`` to
        only watch it. Returns a handle whose ``remove()`` unregisters the hook.
        """
        if not self._requires_grad:
            raise GradientError(
                "register_hook: this tensor does not require grad, so no gradient will ever reach "
                "the hook; create it with requires_grad=True."
            )
        if self.grad_fn is not None:
            hooks = self.grad_fn.__dict__.setdefault("pre_hooks", [])
        else:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def retain_grad(self) -> None:
        """Keep this non-leaf tensor's gradient in ``.grad`` after backward (for inspection).

        What is kept is the gradient after this tensor's hooks, added up over backward calls.
        """
        if self.grad_fn is not None:
            self.grad_fn.__dict__["retains_grad"] = True

    def detach(self) -> Tensor:
        """A tensor sharing this data but outside the graph (no grad_fn, no requires_grad)."""
        return Tensor._from_op(self.data, None)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient."""
        self.grad = None

    # ----------------------------------------------------------------- array facts
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        """Number of elements (NumPy's meaning)."""
        return self.data.size

    @property
    def T(self) -> Tensor:  # noqa: N802  (NumPy's name)
        """The tensor with its axes reversed (NumPy's ``.T``)."""
        return _shape.transpose(self)

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError(
                "len() of a 0-d tensor: it holds a single number and has no first axis; use "
                "x.item() to read it, or x.size for the number of elements."
            )
        return self.data.shape[0]

    def __iter__(self):
        for index in range(len(self)):
            yield self[index]

    def numpy(self) -> np.ndarray:
        """The underlying array (shared, not copied)."""
        return self.data

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        if dtype is not None and dtype != self.data.dtype:
            return self.data.astype(dtype)
        return self.data.copy() if copy else self.data

    def item(self) -> float | int | bool:
        """The value of a one-element tensor as a Python number."""
        if self.data.size != 1:
            raise ValueError(
                f"item: only a tensor with exactly one element can become a Python number; "
                f"this one has shape {self.data.shape}."
            )
        return self.data.item()

    def tolist(self) -> Any:
        return self.data.tolist()

    def copy(self) -> Tensor:
        """A copy in new memory that stays in the graph (PyTorch's ``clone``)."""
        return _cast.copy(self)

    def astype(self, dtype) -> Tensor:
        """Cast to ``dtype``; differentiable between floating dtypes."""
        return _cast.astype(self, dtype)

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(
                f"The truth value of a tensor with {self.data.size} elements (shape "
                f"{self.data.shape}) is ambiguous; use .any() or .all()."
            )
        return bool(self.data)

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __index__(self) -> int:
        if self.data.dtype.kind not in "iu" or self.data.ndim != 0:
            raise TypeError(
                f"only 0-d integer tensors can be used as a Python index; this one has dtype "
                f"{self.data.dtype} and shape {self.data.shape}."
            )
        return int(self.data)

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="tensor(", precision=4)
        extras = []
        if self.data.dtype != backend.get_default_dtype():
            extras.append(f"dtype={self.data.dtype}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn=<{self.grad_fn.name}>")
        elif self._requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    # ----------------------------------------------------------------- arithmetic
    def __add__(self, other):
        return _arith.add(self, other)

    def __radd__(self, other):
        return _arith.add(other, self)

    def __sub__(self, other):
        return _arith.sub(self, other)

    def __rsub__(self, other):
        return _arith.sub(other, self)

    def __mul__(self, other):
        return _arith.mul(self, other)

    def __rmul__(self, other):
        return _arith.mul(other, self)

    def __truediv__(self, other):
        return _arith.div(self, other)

    def __rtruediv__(self, other):
        return _arith.div(other, self)

    def __pow__(self, exponent):
        return _arith.pow(self, exponent)

    def __rpow__(self, base):
        return _arith.pow(base, self)

    def __neg__(self):
        return _arith.neg(self)

    def __pos__(self):
        return self

    def __matmul__(self, other):
        return _linalg.matmul(self, other)

    def __rmatmul__(self, other):
        return _linalg.matmul(other, self)

    def __abs__(self):
        return _unary.abs(self)

    # Comparisons give boolean tensors outside the graph (they have no useful gradient).
    def __eq__(self, other):  # type: ignore[override]
        return _compare(np.equal, "==", self, other)

    def __ne__(self, other):  # type: ignore[override]
        return _compare(np.not_equal, "!=", self, other)

    def __lt__(self, other):
        return _compare(np.less, "<", self, other)

    def __le__(self, other):
        return _compare(np.less_equal, "<=", self, other)

    def __gt__(self, other):
        return _compare(np.greater, ">", self, other)

    def __ge__(self, other):
        return _compare(np.greater_equal, ">=", self, other)

    def __getitem__(self, index):
        return _index.getitem(self, index)

    # ----------------------------------------------------------------- NumPy-style methods
    def exp(self):
        return _unary.exp(self)

    def log(self):
        return _unary.log(self)

    def sqrt(self):
        return _unary.sqrt(self)

    def abs(self):
        return _unary.abs(self)

    def sin(self):
        return _unary.sin(self)

    def cos(self):
        return _unary.cos(self)

    def clip(self, min=None, max=None):  # noqa: A002  (NumPy's argument names)
        return _unary.clip(self, min, max)

    def tanh(self):
        return _activation.tanh(self)

    def sigmoid(self):
        return _activation.sigmoid(self)

    def relu(self):
        return _activation.relu(self)

    def sum(self, axis=None, keepdims=False):
        return _reduce.sum(self, axis=axis, keepdims=keepdims)

    def mean(self, axis=None, keepdims=False):
        return _reduce.mean(self, axis=axis, keepdims=keepdims)

    def var(self, axis=None, ddof=0, keepdims=False):
        return _reduce.var(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def std(self, axis=None, ddof=0, keepdims=False):
        return _reduce.std(self, axis=axis, ddof=ddof, keepdims=keepdims)

    def max(self, axis=None, keepdims=False):
        return _extrema.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return _extrema.min(self, axis=axis, keepdims=keepdims)

    def argmax(self, axis=None, keepdims=False):
        return _extrema.argmax(self, axis=axis, keepdims=keepdims)

    def argmin(self, axis=None, keepdims=False):
        return _extrema.argmin(self, axis=axis, keepdims=keepdims)

    def logsumexp(self, axis=None, keepdims=False):
        return _reduce.logsumexp(self, axis=axis, keepdims=keepdims)

    def any(self, axis=None, keepdims=False):
        return Tensor._from_op(np.asarray(self.data.any(axis=axis, keepdims=keepdims)), None)

    def all(self, axis=None, keepdims=False):
        return Tensor._from_op(np.asarray(self.data.all(axis=axis, keepdims=keepdims)), None)

    def reshape(self, *shape):
        return _shape.reshape(self, shape[0] if len(shape) == 1 else shape)

    def view(self, *shape):
        """PyTorch's name for reshape."""
        return self.reshape(*shape)

    def transpose(self, *axes):
        if len(axes) == 1 and (axes[0] is None or isinstance(axes[0], (tuple, list))):
            axes = axes[0]
        return _shape.transpose(self, axes or None)

    def permute(self, *axes):
        if len(axes) == 1 and isinstance(axes[0], (tuple, list)):
            axes = axes[0]
        return _shape.transpose(self, axes)

    def swapaxes(self, axis1: int, axis2: int):
        return _shape.swapaxes(self, axis1, axis2)

    def flatten(self, start_axis: int = 0, end_axis: int = -1):
        return _shape.flatten(self, start_axis, end_axis)

    def squeeze(self, axis=None):
        return _shape.squeeze(self, axis)

    def unsqueeze(self, axis: int):
        return _shape.unsqueeze(self, axis)

    def broadcast_to(self, shape):
        return _shape.broadcast_to(self, shape)

    def expand(self, *shape):
        return _shape.broadcast_to(self, shape[0] if len(shape) == 1 else shape)

    def repeat(self, repeats, axis=None):
        return _join.repeat(self, repeats, axis)

    def split(self, indices_or_sections, axis=0):
        return _join.split(self, indices_or_sections, axis)

    def chunk(self, chunks: int, axis=0):
        return _join.chunk(self, chunks, axis)


class _HookHandle:
    """Returned by ``register_hook``; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: list, hook: Callable) -> None:
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


def _raw(value):
    return value.data if isinstance(value, Tensor) else value


def _compare(ufunc, symbol: str, a: Tensor, b) -> Tensor:
    other = _raw(b)
    try:
        return Tensor._from_op(np.asarray(ufunc(a.data, other)), None)
    except ValueError:
        other_shape = np.shape(other)
        raise ShapeError(
            f"comparison {symbol}: shapes {a.shape} and {other_shape} cannot be broadcast "
            "together; each pair of sizes, from the last axis back, must be equal or 1."
        ) from None


# The op modules import Tensor, so they are imported after the class exists.
from scratchdl.ops import activation as _activation  # noqa: E402
from scratchdl.ops import arithmetic as _arith  # noqa: E402
from scratchdl.ops import cast as _cast  # noqa: E402
from scratchdl.ops import extrema as _extrema  # noqa: E402
from scratchdl.ops import index as _index  # noqa: E402
from scratchdl.ops import join as _join  # noqa: E402
from scratchdl.ops import linalg as _linalg  # noqa: E402
from scratchdl.ops import reduce as _reduce  # noqa: E402
from scratchdl.ops import shape as _shape  # noqa: E402
from scratchdl.ops import unary as _unary  # noqa: E402

"""Argument checks for the losses in ``loss.py`` (and the floating-input check that softmax
shares): each bad call fails here, before any math, with a message that names the op, what it
received and how to fix it.
"""

from __future__ import annotations

import numpy as np

from scratchdl.autograd.grad_mode import is_grad_enabled
from scratchdl.errors import DTypeError, GradientError, ShapeError
from scratchdl.ops._convert import constant
from scratchdl.ops.cast import astype
from scratchdl.tensor import Tensor

_REDUCTIONS = ("mean", "sum", "none")


def _raw(value) -> np.ndarray:
    return value.data if isinstance(value, Tensor) else np.asarray(value)


def _check_reduction(op: str, reduction) -> None:
    if reduction not in _REDUCTIONS:
        raise ValueError(
            f"{op}: reduction must be one of 'mean', 'sum' or 'none'; received "
            f"reduction={reduction!r}."
        )


def _float_input(op: str, input) -> Tensor:
    input = constant(input)
    if input.dtype.kind != "f":
        raise DTypeError(
            f"{op}: input must be a floating tensor (logits or probabilities); received dtype "
            f"{input.dtype}. Convert it with input.astype('float32')."
        )
    return input


def _class_input(op: str, input) -> tuple[Tensor, int]:
    """A floating input with a class axis (axis 1, or axis 0 unbatched), and its class count C."""
    input = _float_input(op, input)
    if input.ndim == 0:
        raise ShapeError(f"{op}: input must have a class axis; received a 0-d tensor.")
    return input, input.shape[0 if input.ndim == 1 else 1]


def _check_no_nan(op: str, t: np.ndarray) -> None:
    if t.dtype.kind == "f" and np.isnan(t).any():
        raise ValueError(
            f"{op}: targets contain NaN ({int(np.isnan(t).sum())} of {t.size} values); "
            "every target must be a number. Check the data pipeline that made them."
        )


def _constant_argument(op: str, value, name: str) -> np.ndarray:
    """The raw array of a loss argument that gets no gradient (weight, pos_weight).

    The losses use these as constants: a Tensor that requires grad would silently receive none,
    so it is an error (PyTorch's: "not differentiable with respect to argument 'weight'").
    Under ``no_grad()`` nothing is recorded and any tensor is accepted.
    """
    if isinstance(value, Tensor) and value.requires_grad and is_grad_enabled():
        raise GradientError(
            f"{op}: the loss is not differentiable with respect to argument {name!r}; received "
            f"a {name} tensor that requires grad (shape {value.shape}), which would silently get "
            f"no gradient. Pass {name}={name}.detach() to use its values as a constant."
        )
    return _raw(value)


def _class_weight(op: str, weight, n_classes: int, dtype) -> np.ndarray | None:
    if weight is None:
        return None
    w = _constant_argument(op, weight, "weight")
    if w.shape != (n_classes,):
        raise ShapeError(
            f"{op}: weight must hold one number per class, shape ({n_classes},); received shape "
            f"{w.shape}."
        )
    return w.astype(dtype, copy=False)


def _check_class_targets(op: str, input: Tensor, n_classes: int, target, ignore_index) -> None:
    """Integer targets: shape (N, d1, ...) for input (N, C, d1, ...), values in [0, C-1]."""
    expected = () if input.ndim == 1 else input.shape[:1] + input.shape[2:]
    if target.shape != expected:
        raise ShapeError(
            f"{op}: target of class indices must have shape {expected} for input shape "
            f"{input.shape} (the input without its class axis 1); received target shape "
            f"{target.shape}."
        )
    t = target.data
    if t.size and (t.min() < 0 or t.max() >= n_classes):
        bad = t[((t < 0) | (t >= n_classes)) & (t != ignore_index)]
        if bad.size:
            shown = ", ".join(str(b) for b in np.unique(bad)[:5])
            raise ValueError(
                f"{op}: target holds class index {shown} outside the valid range "
                f"[0, {n_classes - 1}] (input has C={n_classes} classes on axis 1). Labels must "
                f"be 0-based; ignore_index={ignore_index} is the only other value allowed."
            )


def _integer_target(op: str, input: Tensor, target) -> Tensor:
    target = constant(target)
    if target.dtype.kind in "iu":
        return target
    if target.dtype.kind == "f":
        _check_no_nan(op, target.data)
    raise DTypeError(
        f"{op}: target must hold integer class indices (dtype int64), or for cross_entropy class "
        f"probabilities with the input's shape {input.shape}; received dtype {target.dtype} and "
        f"shape {target.shape}. For labels, use target.astype('int64')."
    )


def _like_input(op: str, input: Tensor, target) -> Tensor:
    """A target of the input's shape and dtype (integer or bool labels are converted)."""
    target = constant(target)
    if target.shape != input.shape:
        raise ShapeError(
            f"{op}: target shape {target.shape} must equal input shape {input.shape} (one target "
            "per prediction)."
        )
    if target.dtype != input.dtype:
        target = astype(target, input.dtype)
    return target


def _elementwise_weight(op: str, weight, input: Tensor, name: str = "weight"):
    if weight is None:
        return None
    w = _constant_argument(op, weight, name).astype(input.dtype, copy=False)
    try:
        fits = np.broadcast_shapes(w.shape, input.shape) == input.shape
    except ValueError:
        fits = False
    if not fits:
        raise ShapeError(
            f"{op}: {name} of shape {w.shape} must broadcast to the input's shape {input.shape}."
        )
    return w

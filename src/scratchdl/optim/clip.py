"""Gradient clipping: bound the gradients before ``optimizer.step()``.

Call these between ``loss.backward()`` and ``opt.step()``. They are explicit functions, not hooks
hidden in an optimizer: a reader of the training loop sees the clipping happen.

Both give each parameter a *new* gradient array; the old one is never written to, because one
gradient array may be shared by several tensors.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable

import numpy as np

from scratchdl.tensor import Tensor


def _parameters_with_grad(parameters: Tensor | Iterable[Tensor], caller: str) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    result = []
    for index, p in enumerate(parameters):
        if not isinstance(p, Tensor):
            raise TypeError(
                f"{caller}: parameters must be Tensors (or one Tensor); item {index} is a "
                f"{type(p).__name__}."
            )
        if p.grad is not None:
            result.append(p)
    return result


def _check_bound(caller: str, key: str, value) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= 0:
        raise ValueError(f"{caller}: {key} must be a number >= 0; received {key}={value!r}.")
    return float(value)


def _vector_norm(g: np.ndarray, norm_type: float) -> np.ndarray:
    """The norm of all entries of ``g`` as one vector, in g's dtype (a 0-d array)."""
    if g.size == 0:
        return np.zeros((), dtype=g.dtype)
    if norm_type == math.inf:
        return np.max(np.abs(g))
    flat = g.reshape(-1)
    if norm_type == 2.0:
        return np.sqrt(np.dot(flat, flat))
    if norm_type == 1.0:
        return np.sum(np.abs(flat))
    return np.sum(np.abs(flat) ** norm_type) ** (1.0 / norm_type)


def clip_grad_norm_(
    parameters: Tensor | Iterable[Tensor],
    max_norm: float,
    norm_type: float = 2.0,
    error_if_nonfinite: bool = False,
) -> Tensor:
    r"""Scale all gradients together so that their joint norm is at most ``max_norm``.

    The gradients are treated as one long vector ``G`` (all parameters concatenated)::

        1. total_norm = ||G||_p           # = (sum over every entry |g|^p)^(1/p); max |g| for inf
        2. clip_coef = max_norm / (total_norm + 1e-6)
        3. clip_coef = min(clip_coef, 1)   # gradients that are small enough stay as they are
        4. g = g * clip_coef               # for every gradient: the direction of G is kept

    Used against exploding gradients in RNNs and Transformers (Pascanu et al. 2013,
    https://arxiv.org/abs/1211.5063). PyTorch's ``torch.nn.utils.clip_grad_norm_`` semantics.

    Parameters
    ----------
    parameters : Tensor or iterable of Tensor
        The parameters whose ``.grad`` is clipped; those without a gradient are skipped.
    max_norm : float
        The largest allowed norm.
    norm_type : float, default 2.0
        ``p`` of the p-norm, any number > 0, or ``math.inf`` for the largest absolute entry.
    error_if_nonfinite : bool, default False
        Raise if the total norm is NaN or infinite (then the clipped gradients would be NaN).

    Returns
    -------
    Tensor
        The total norm of the gradients *before* clipping (0-d), useful to log.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.optim import clip_grad_norm_
    >>> w = sd.tensor([3.0, 4.0], requires_grad=True)
    >>> (w * w).sum().backward()  # w.grad = [6, 8], norm 10
    >>> clip_grad_norm_([w], max_norm=1.0)
    tensor(10.)
    >>> w.grad
    tensor([0.6, 0.8])
    """
    caller = "clip_grad_norm_"
    max_norm = _check_bound(caller, "max_norm", max_norm)
    if isinstance(norm_type, bool) or not isinstance(norm_type, numbers.Real):
        raise TypeError(f"{caller}: norm_type must be a number; received norm_type={norm_type!r}.")
    norm_type = float(norm_type)
    if not norm_type > 0:
        raise ValueError(
            f"{caller}: norm_type must be a number > 0 or math.inf; received "
            f"norm_type={norm_type!r}."
        )
    params = _parameters_with_grad(parameters, caller)
    if not params:
        return Tensor(0.0)

    norms = np.stack([_vector_norm(p.grad.data, norm_type) for p in params])  # 1.
    total_norm = _vector_norm(norms, norm_type)
    if error_if_nonfinite and not np.isfinite(total_norm):
        raise RuntimeError(
            f"{caller}: the total norm of order {norm_type} of the gradients is {total_norm} "
            "(not finite), so they cannot be clipped. Find where the NaN or infinity comes from "
            "(scratchdl.autograd.detect_anomaly helps), or pass error_if_nonfinite=False to clip "
            "anyway."
        )
    clip_coef = max_norm / (total_norm + 1e-6)  # 2. (a Python float keeps the grads' dtype)
    clip_coef = np.minimum(clip_coef, 1.0)  # 3.
    for p in params:  # 4. a new array for each gradient
        p.grad = Tensor._from_op(p.grad.data * clip_coef, None)
    return Tensor._from_op(np.asarray(total_norm), None)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    r"""Clip every gradient entry into ``[-clip_value, clip_value]``.

    For each gradient entry: ``g = min(max(g, -clip_value), clip_value)``. Unlike
    ``clip_grad_norm_`` this changes the gradient's direction. PyTorch's
    ``torch.nn.utils.clip_grad_value_`` semantics; parameters without a gradient are skipped.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.optim import clip_grad_value_
    >>> w = sd.tensor([0.1, 3.0], requires_grad=True)
    >>> (w * w).sum().backward()  # w.grad = [0.2, 6]
    >>> clip_grad_value_([w], clip_value=1.0)
    >>> w.grad
    tensor([0.2, 1. ])
    """
    caller = "clip_grad_value_"
    clip_value = _check_bound(caller, "clip_value", clip_value)
    for p in _parameters_with_grad(parameters, caller):
        p.grad = Tensor._from_op(np.clip(p.grad.data, -clip_value, clip_value), None)

"""The binary losses: binary_cross_entropy and binary_cross_entropy_with_logits.

One probability per element instead of a distribution over classes: binary classifiers and
multi-label heads end here. binary_cross_entropy_with_logits takes logits and is the stable
choice (one fused op, with its reduction); binary_cross_entropy takes probabilities that have
already been through sigmoid, and needs clamps at 0 and 1. The argument checks live in
``_loss_checks.py``, the class-target losses and the shared reduction in ``loss.py``.

Conventions as in ``loss.py`` (PyTorch's): ``reduction="mean"`` averages over all elements,
``"sum"`` adds them, ``"none"`` returns them; ``weight`` and ``pos_weight`` are constants that
broadcast against the input and receive no gradient.
"""

from __future__ import annotations

import numpy as np

from scratchdl.autograd.function import Function
from scratchdl.ops._broadcast import unbroadcast
from scratchdl.ops._convert import constant
from scratchdl.ops._loss_checks import (
    _check_no_nan,
    _check_reduction,
    _elementwise_weight,
    _float_input,
    _like_input,
)
from scratchdl.ops.activation import SigmoidBackward, sigmoid, softplus
from scratchdl.ops.arithmetic import maximum
from scratchdl.ops.loss import _reduce
from scratchdl.tensor import Tensor

__all__: list[str] = []


class BinaryCrossEntropy(Function):
    """l = -w (t log x + (1 - t) log(1 - x)) for probabilities x in [0, 1] and targets t

    Backward: dl/dx = -w (t / x - (1 - t) / (1 - x)) = w (x - t) / (x (1 - x)), so
        dx = g * w * (x - t) / maximum(x * (1 - x), 1e-12)
    and dl/dt = -w (log x - log(1 - x)), so dt = g * w * (log(1 - x) - log(x)).
    Saved for backward: the weight array w (a constant); x and t come from the graph.
    Shapes: x and t of the same shape (...), w broadcasting to it; l has x's shape (the
    reduction is applied afterwards by ``_reduce``).
    Notes: each log is clamped at -100 (as PyTorch does), so x = 0 or 1 gives a finite loss; the
    denominator of dx is clamped at 1e-12 for the same reason. Prefer
    binary_cross_entropy_with_logits, which never needs the clamps. binary_cross_entropy rejects
    inputs outside [0, 1] and NaN before the op runs.
    Double backward: supported (where the clamps are inactive).
    """

    def forward(self, x, t, weight):
        self.weight = weight
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), -100)
            log_1mx = np.maximum(np.log1p(-x), -100)
        l = -(t * log_x + (1 - t) * log_1mx)
        return l if weight is None else l * weight

    def backward(self, g):
        x, t = self.inputs
        gw = g if self.weight is None else g * constant(self.weight)
        dx = dt = None
        if self.needs_input_grad[0]:
            dx = gw * (x - t) / maximum(x * (1 - x), 1e-12)
        if self.needs_input_grad[1]:
            dt = gw * ((1 - x).log() - x.log())
        return dx, dt


class BinaryCrossEntropyWithLogits(Function):
    """l = w ((1 - t) x + c * softplus(-x)),  c = 1 + (pw - 1) t,  softplus(u) = log(1 + e^u)

    This is binary_cross_entropy(sigmoid(x), t) with log sigmoid(x) = -softplus(-x) and
    log(1 - sigmoid(x)) = -x - softplus(-x); pos_weight pw scales the positive term. Without pw
    (c = 1) it is the familiar max(x, 0) - x t + log(1 + e^-|x|). The output is l reduced by
    ``reduction``: the mean over all n elements, their sum, or l itself ("none").
    ``_reference_binary_cross_entropy_with_logits`` below composes the same loss from softplus.
    Backward: d softplus(-x)/dx = -sigmoid(-x) = sigmoid(x) - 1, so with G = g / n for the
    mean and G = g otherwise (a 0-d G broadcasts over x),
        dx = G * w * (c * sigmoid(x) - pw * t)      (= G * w * (sigmoid(x) - t) without pw)
        dt = G * w * ((pw - 1) * softplus(-x) - x)
    Without pw, dx is the op LogitsGradient (one node).
    Saved for backward: the weight and pos_weight arrays (constants) and the reduction; x and t
    come from the graph.
    Shapes: x and t of the same shape (...); w and pw broadcast to it (pw usually (C,), one per
    class on the last axis). The output is 0-d for "mean" and "sum", x's shape for "none".
    Notes: softplus(-x) is computed as log1p(exp(-|x|)) + max(-x, 0): the exponent is never
    positive, so logits of ±1e4 give exact, finite losses and gradients. The reduction is part
    of the op (not a separate mean) so that a training step pays for one node, not two.
    Infinite logits: the formulas above meet inf - inf or inf * 0 at x = ±inf and give nan.
    The loss then has a limit: (1 - t) * inf at x = +inf and pw * t * inf at x = -inf (times w),
    that is inf, or 0 where that coefficient is 0 (a confidently right prediction). Those nan
    show up in the sum the reduction computes anyway (for "none", in one np.max), so only a nan
    result pays for the fix-up ``_infinite_logits``, which writes the limits in. PyTorch gives
    the same inf values, and nan where the limit is 0.
    Double backward: supported.
    """

    def forward(self, x, t, weight, pos_weight, reduction):
        self.weight, self.pos_weight, self.reduction = weight, pos_weight, reduction
        if pos_weight is None and weight is None:  # the common case, with in-place passes
            l = np.clip(x, 0.0, np.inf, out=np.empty_like(x))  # max(x, 0); np.clip's fast path
            with np.errstate(invalid="ignore"):  # inf - inf at x = ±inf: see _infinite_logits
                l -= x * t
            tail = np.abs(x, out=np.empty_like(x))  # out=: a 0-d result stays an array
            np.negative(tail, out=tail)
            np.exp(tail, out=tail)
            np.log1p(tail, out=tail)  # log(1 + e^-|x|)
            l += tail
        else:
            softplus_neg = np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0)  # softplus(-x)
            c = 1 if pos_weight is None else 1 + (pos_weight - 1) * t
            with np.errstate(invalid="ignore"):
                l = (1 - t) * x + c * softplus_neg
                if weight is not None:
                    l = l * weight
        # A nan loss comes from a nan input or from an infinite logit (rare: fixed up here). The
        # reductions' sum shows it for free; for "none", np.max (which propagates nan) is the
        # cheapest single pass.
        if reduction == "none":
            if l.size and np.isnan(l.max()):  # np.max propagates nan
                l = _infinite_logits(l, x, t, weight, pos_weight)
            return l
        total = np.add.reduce(l, axis=None)
        if total != total:  # nan (a cheaper test than np.isnan on a NumPy scalar)
            total = np.add.reduce(_infinite_logits(l, x, t, weight, pos_weight), axis=None)
        if reduction == "sum":
            return total
        with np.errstate(invalid="ignore"):  # the mean of nothing is nan, as in NumPy
            return total / l.size

    def backward(self, g):
        x, t = self.inputs
        pw = self.pos_weight
        if self.reduction == "mean":
            g = g / max(x.size, 1)
        gw = g if self.weight is None else g * constant(self.weight)
        dx = dt = None
        if self.needs_input_grad[0]:
            if pw is None:
                dx = LogitsGradient.apply(gw, x, t)
            else:
                dx = gw * (sigmoid(x) * (t * constant(pw - 1) + 1) - t * constant(pw))
        if self.needs_input_grad[1]:
            dt = -(gw * x) if pw is None else gw * (softplus(-x) * constant(pw - 1) - x)
        return dx, dt


class LogitsGradient(Function):
    """dx = g * (sigmoid(x) - t): the logits' gradient of BCE-with-logits as one op.

    Backward (for double backward), with s = sigmoid(x) and upstream h:
    d/dg = s - t, so dg = h * (s - t) (this op again, summed to g's shape);
    d/dx = g s (1 - s), so dx = SigmoidBackward(h * g, s); d/dt = -g, so dt = -(h * g).
    Saved for backward: nothing (g, x and t come from the graph).
    Shapes: x and t of the same shape (...); g is 0-d (the mean's or sum's gradient) or x's
    shape, and broadcasts; dx has x's shape.
    Notes: sigmoid is 1 / (1 + e^-x), whose overflow to inf at very negative x gives the right
    limit 0 (see Sigmoid).
    Double backward: supported.
    """

    def forward(self, g, x, t):
        dx = np.negative(x, out=np.empty_like(x))  # out=: a 0-d result stays an array
        with np.errstate(over="ignore"):  # e^-x = inf gives sigmoid = 0, the right limit
            np.exp(dx, out=dx)
        dx += 1.0
        np.reciprocal(dx, out=dx)  # sigmoid(x)
        dx -= t
        dx *= g
        return dx

    def backward(self, h):
        g, x, t = self.inputs
        dg = dx = dt = None
        if self.needs_input_grad[0]:
            dg = unbroadcast(LogitsGradient.apply(h, x, t), g)
        if self.needs_input_grad[1]:
            dx = SigmoidBackward.apply(h * g, sigmoid(x))
        if self.needs_input_grad[2]:
            dt = unbroadcast(-(h * g), t)
        return dg, dx, dt


def _infinite_logits(l, x, t, weight, pos_weight) -> np.ndarray:
    """l with the exact limit of the loss written in where x = ±inf (see the Notes of
    BinaryCrossEntropyWithLogits): coefficient * inf, or 0 where the coefficient is 0, with
    coefficient w * (1 - t) at x = +inf and w * pw * t at x = -inf."""
    infinite = np.isinf(x)
    if not infinite.any():
        return l  # the nan came from a nan input: it stays
    l = np.array(l, copy=True)  # a 0-d input can give a NumPy scalar: make it an array
    xs, ts = x[infinite], t[infinite]
    coef = np.where(xs > 0, 1 - ts, ts)
    if pos_weight is not None:
        coef = np.where(xs > 0, coef, coef * np.broadcast_to(pos_weight, x.shape)[infinite])
    if weight is not None:
        coef = coef * np.broadcast_to(weight, x.shape)[infinite]
    with np.errstate(invalid="ignore"):
        l[infinite] = np.where(coef == 0, 0.0, coef * np.inf)
    return l


def _reference_binary_cross_entropy_with_logits(
    x: Tensor, t, weight=None, reduction: str = "mean", pos_weight=None
) -> Tensor:
    """The textbook form of ``BinaryCrossEntropyWithLogits``, composed from existing ops (for
    reading and for the equivalence test; never on the hot path).

        l = -w (pw * t * log(sigmoid(x)) + (1 - t) * log(1 - sigmoid(x)))

    with the two logs written stably through softplus: log(sigmoid(x)) = -softplus(-x) and
    log(1 - sigmoid(x)) = log(sigmoid(-x)) = -softplus(x). ``threshold=inf`` keeps softplus on its
    exact formula everywhere. Each op brings its own backward, so gradients of every order come
    from the composition.
    """
    t = constant(t)
    log_p = -softplus(-x, threshold=np.inf)  # log sigmoid(x)
    log_not_p = -softplus(x, threshold=np.inf)  # log(1 - sigmoid(x))
    if pos_weight is not None:
        log_p = log_p * constant(np.asarray(pos_weight, dtype=x.dtype))
    l = -(t * log_p + (1 - t) * log_not_p)
    if weight is not None:
        l = l * constant(np.asarray(weight, dtype=x.dtype))
    return _reduce(l, reduction)


# ----------------------------------------------------------------------------- public functions
def _check_probabilities(op: str, x: np.ndarray) -> None:
    """Every x in [0, 1]. Written as a positive test, so that NaN (for which every comparison is
    false) fails it too; ``x.min() < 0 or x.max() > 1`` would let NaN through."""
    inside = (x >= 0) & (x <= 1)
    if inside.all():
        return
    bad = x.size - int(np.count_nonzero(inside))
    nan = int(np.count_nonzero(np.isnan(x)))
    numbers = x[~np.isnan(x)]
    span = f"values from {numbers.min()} to {numbers.max()}" if numbers.size else "only NaN"
    nan_note = f" ({nan} of them NaN)" if nan else ""
    raise ValueError(
        f"{op}: input must hold probabilities in [0, 1]; received {span}, with {bad} of "
        f"{x.size} values outside [0, 1]{nan_note}. Apply sigmoid first, or use "
        "binary_cross_entropy_with_logits on logits; NaN usually comes from an earlier overflow."
    )


def binary_cross_entropy(input: Tensor, target, weight=None, reduction: str = "mean") -> Tensor:
    """Binary cross-entropy between probabilities ``input`` in [0, 1] and targets in [0, 1].

    ``weight`` (a constant) broadcasts against the input. See ``BinaryCrossEntropy``.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.nn import functional as F
    >>> F.binary_cross_entropy(sd.tensor([0.5, 0.5]), sd.tensor([1.0, 0.0]))
    tensor(0.6931)
    """
    op = "binary_cross_entropy"
    input = _float_input(op, input)
    _check_reduction(op, reduction)
    target = _like_input(op, input, target)
    _check_no_nan(op, target.data)
    _check_probabilities(op, input.data)
    w = _elementwise_weight(op, weight, input)
    return _reduce(BinaryCrossEntropy.apply(input, target, weight=w), reduction)


def binary_cross_entropy_with_logits(
    input: Tensor, target, weight=None, reduction: str = "mean", pos_weight=None
) -> Tensor:
    """Binary cross-entropy on logits: ``binary_cross_entropy(sigmoid(input), target)``, stably.

    ``weight`` broadcasts against the input; ``pos_weight`` (one number per class, on the last
    axis) multiplies the loss of positive targets. Both are constants.
    See ``BinaryCrossEntropyWithLogits`` for the formula and the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.nn import functional as F
    >>> F.binary_cross_entropy_with_logits(sd.tensor([0.0, 1e4]), sd.tensor([1.0, 1.0]))
    tensor(0.3466)
    """
    op = "binary_cross_entropy_with_logits"
    input = _float_input(op, input)
    _check_reduction(op, reduction)
    target = _like_input(op, input, target)
    _check_no_nan(op, target.data)
    w = _elementwise_weight(op, weight, input)
    pw = _elementwise_weight(op, pos_weight, input, name="pos_weight")
    return BinaryCrossEntropyWithLogits.apply(
        input, target, weight=w, pos_weight=pw, reduction=reduction
    )

"""The losses: cross_entropy, nll_loss, mse_loss, l1_loss (the binary losses are in
``binary_loss.py``).

Every classifier ends here: logits -> cross_entropy, which is log-softmax followed by the negative
log-likelihood of the target class. It runs in every training step, so it is one fused op; the
composed ``_reference_cross_entropy`` beside it is the version to read first. Softmax and
log_softmax themselves live in ``softmax.py``, the argument checks in ``_loss_checks.py``.

Conventions (PyTorch's, so that results match to the last bit that float rounding allows):

* the class axis is 1: input (N, C), (N, C, d1, ...) or unbatched (C,);
* ``reduction="mean"`` averages the per-sample losses ("mean" with class weights divides by the
  total weight of the targets instead of their count), ``"sum"`` adds them, ``"none"`` returns them;
* ``weight`` is a constant: it receives no gradient.
"""

from __future__ import annotations

import numpy as np

from scratchdl.autograd.function import Function
from scratchdl.autograd.grad_mode import is_grad_enabled
from scratchdl.ops._convert import constant
from scratchdl.ops._loss_checks import (
    _check_class_targets,
    _check_no_nan,
    _check_reduction,
    _class_input,
    _class_weight,
    _float_input,
    _integer_target,
    _like_input,
    _raw,
)
from scratchdl.ops.cast import astype
from scratchdl.ops.softmax import _axis_sum, log_softmax, softmax
from scratchdl.ops.unary import clip
from scratchdl.tensor import Tensor

__all__: list[str] = []


# ----------------------------------------------------------------------------- class targets
def _target_coefficients(t, weight, ignore_index, dtype):
    """For integer targets t (N, d1, ...) of an (N, C, d1, ...) input: the index that picks each
    sample's target class (``z[at]`` has t's shape), v (0 where t == ignore_index, else 1) and
    v * w[t] (v itself without weights)."""
    valid = t != ignore_index
    t = np.where(valid, t, 0)  # ignored samples read class 0; v = 0 cancels them
    v = valid.astype(dtype)
    # Open ranges over the sample axes, e.g. (arange(N), t) for (N, C) or
    # (arange(N)[:, None], t, arange(d1)[None, :]) for (N, C, d1).
    ranges = [np.arange(n).reshape((-1,) + (1,) * (t.ndim - 1 - i)) for i, n in enumerate(t.shape)]
    at = (ranges[0], t, *ranges[1:])
    return at, v, (v if weight is None else weight[t] * v)


def _reduce_array(l: np.ndarray, reduction: str, total, unbatched: bool) -> np.ndarray:
    if reduction == "none":
        return l[0] if unbatched else l
    if reduction == "sum":
        return l.sum()
    with np.errstate(invalid="ignore", divide="ignore"):  # every target ignored: 0 / 0 = nan
        return l.sum() / total


def _per_sample(g: Tensor, reduction: str, total, unbatched: bool) -> Tensor:
    """The upstream gradient G of each sample, shaped to broadcast against (N, C, d1, ...)."""
    if reduction == "mean":
        return g / (total or 1)  # every target ignored: total = 0, and every coefficient is 0
    if reduction == "sum":
        return g
    return g.reshape(1, 1) if unbatched else g.reshape(g.shape[:1] + (1,) + g.shape[1:])


class CrossEntropy(Function):
    """Fused log-softmax + negative log-likelihood of integer class targets t, with class weights
    w, ignored targets and label smoothing ε (PyTorch's semantics).

    Forward, per sample (class axis 1; every other axis is a sample axis too):
        z = x - max_c x_c,  lse = log sum_c exp(z_c),  so  log p_c = z_c - lse
        l = v * ((1 - ε) * w[t] * (lse - z_t)  +  (ε / C) * sum_c w_c (lse - z_c))
    where v = 0 if t == ignore_index, else 1, and w = 1 without weights. "mean" divides the sum
    of l by D = sum over samples of v * w[t] (the count of counted targets without weights).

    Backward: l = -sum_c a_c log p_c with a_c = v ((1 - ε) w[t] [c == t] + (ε / C) w_c), and
    d log p_c / dx_k = [c == k] - p_k, so
        dl/dx_k = p_k s - a_k,   s = sum_c a_c = v ((1 - ε) w[t] + (ε / C) sum_c w_c)
    With G = each sample's upstream gradient (g for "none" and "sum", g / D for "mean"):
        dx = G * (p * s - a)          (= G * (p - onehot(t)) in the plain case)
    Saved for backward: e = exp(z) and its sum over classes (p = e / sum, no second exp), the
    targets and the per-sample coefficients v * w[t].
    Shapes: x (N, C), (N, C, d1, ...) or (C,); t (N,), (N, d1, ...) or (); l has t's shape.
    Notes: the forward never forms log p in full, only z at the targets (and sum_c w_c z_c when
    smoothing), which saves a pass over the (N, C) logits.
    Double backward: supported. Without create_graph, dx is computed directly in NumPy from e;
    with it, the same formula is built from Tensor ops with p = softmax(x) in the graph.
    """

    def forward(self, x, t, weight, ignore_index, reduction, label_smoothing):
        self.unbatched = x.ndim == 1
        if self.unbatched:  # (C,) -> (1, C)
            x, t = x[None], t[None]
        n_classes, eps = x.shape[1], label_smoothing
        self.at, self.v, self.wt = _target_coefficients(t, weight, ignore_index, x.dtype)
        z = x - x.max(axis=1, keepdims=True)
        z_t = z[self.at]
        if eps:
            z_sum = _axis_sum(z, 1, weight)  # sum_c w_c z_c
        e = np.exp(z, out=z)
        e_sum = _axis_sum(e, 1)
        lse = np.log(e_sum)
        l = (1 - eps) * self.wt * (lse - z_t)
        w_sum = n_classes if weight is None else weight.sum()
        if eps:
            l += (eps / n_classes) * self.v * (w_sum * lse - z_sum)
        # The smoothing part of a, per class: (ε / C) * w_c, shaped to broadcast along axis 1.
        w_col = 1 if weight is None else weight.reshape((n_classes,) + (1,) * (x.ndim - 2))
        self.smooth_a = (eps / n_classes) * w_col
        self.s = (1 - eps) * self.wt + (eps / n_classes) * w_sum * self.v  # s = sum_c a_c
        self.e, self.e_sum, self.eps, self.reduction = e, e_sum, eps, reduction
        self.total = self.wt.sum() if reduction == "mean" else None
        return _reduce_array(l, reduction, self.total, self.unbatched)

    def backward(self, g):
        if is_grad_enabled():  # create_graph: build dx from Tensor ops so it can be differentiated
            return self._backward_graph(g), None
        if self.reduction == "none":
            G = g.data[None] if self.unbatched else g.data
        else:
            G = g.data / (self.total or 1) if self.reduction == "mean" else g.data
        dx = self.e * (G * self.s / self.e_sum)[:, None]  # G * s * p; [:, None] adds axis 1
        dx[self.at] -= G * (1 - self.eps) * self.wt  # - G * a at the target class
        if self.eps:  # - G * a for the smoothing part of a, which covers every class
            dx -= (G * self.v)[:, None] * self.smooth_a
        return Tensor._from_op(dx[0] if self.unbatched else dx, None), None

    def _backward_graph(self, g):
        """dx = G * (softmax(x) * s - a) in Tensor ops (see the class docstring)."""
        x = self.inputs[0].reshape(1, -1) if self.unbatched else self.inputs[0]
        a = np.zeros_like(self.e)
        a[self.at] = (1 - self.eps) * self.wt
        if self.eps:
            a += self.v[:, None] * self.smooth_a
        G = _per_sample(g, self.reduction, self.total, self.unbatched)
        dx = (softmax(x, axis=1) * constant(self.s[:, None]) - constant(a)) * G
        return dx.reshape(-1) if self.unbatched else dx


class NLLLoss(Function):
    """Negative log-likelihood of integer class targets t, given log-probabilities x.

    Forward: l = -v * w[t] * x_t per sample (v = 0 where t == ignore_index, w = 1 without
    weights); "mean" divides the sum by D = sum of v * w[t].
    Backward: l is linear in x, dl/dx_c = -v w[t] [c == t], so with G as in CrossEntropy
        dx = G * a,   a = -v * w[t] * onehot(t)     (zero except at each sample's target)
    Saved for backward: the target positions and v * w[t].
    Double backward: supported (dx is linear in g and constant in x).
    """

    def forward(self, x, t, weight, ignore_index, reduction):
        self.unbatched = x.ndim == 1
        if self.unbatched:
            x, t = x[None], t[None]
        self.at, _, self.wt = _target_coefficients(t, weight, ignore_index, x.dtype)
        self.x_shape, self.reduction = x.shape, reduction
        self.total = self.wt.sum() if reduction == "mean" else None
        l = -self.wt * x[self.at]
        return _reduce_array(l, reduction, self.total, self.unbatched)

    def backward(self, g):
        a = np.zeros(self.x_shape, dtype=self.wt.dtype)
        a[self.at] = -self.wt
        dx = constant(a) * _per_sample(g, self.reduction, self.total, self.unbatched)
        return (dx.reshape(-1) if self.unbatched else dx), None


def _reference_cross_entropy(
    input: Tensor,
    target: Tensor,
    weight=None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """cross_entropy for integer targets composed from primitive ops (for reading and testing).

    log_softmax, then gather each target's log-probability by multiplying with a one-hot mask and
    summing over classes, then weight, smooth and reduce. Autograd derives the backward.
    """
    x, t = (input.reshape(1, -1), target.data[None]) if input.ndim == 1 else (input, target.data)
    n_classes = x.shape[1]
    valid = t != ignore_index
    t_safe = np.where(valid, t, 0)
    w = np.ones(n_classes, x.dtype) if weight is None else np.asarray(_raw(weight), x.dtype)
    w_col = w.reshape((n_classes,) + (1,) * (x.ndim - 2))  # broadcasts along the class axis 1
    onehot = np.moveaxis(np.eye(n_classes, dtype=x.dtype)[t_safe], -1, 1)  # (N, C, d1, ...)
    v = constant(valid.astype(x.dtype))
    log_p = log_softmax(x, axis=1)
    nll = -(log_p * constant(onehot * w_col)).sum(axis=1) * v
    smooth = -(log_p * constant(w_col)).sum(axis=1) * v
    l = nll * (1 - label_smoothing) + smooth * (label_smoothing / n_classes)
    if reduction == "mean":
        return l.sum() / (w[t_safe] * valid).sum()
    if reduction == "sum":
        return l.sum()
    return l.reshape(()) if input.ndim == 1 else l


def _probability_cross_entropy(x, t, weight, reduction, label_smoothing) -> Tensor:
    """cross_entropy for class-probability targets t (x's shape), composed:
    l = -sum_c w_c t_c log p_c with t smoothed to (1 - ε) t + ε / C; "mean" divides by the
    number of samples (not by the weights). Both x and t may require grad."""
    axis = 0 if x.ndim == 1 else 1
    n_classes = x.shape[axis]
    if label_smoothing:
        t = t * (1 - label_smoothing) + label_smoothing / n_classes
    terms = log_softmax(x, axis=axis) * t
    if weight is not None:
        terms = terms * constant(weight.reshape((n_classes,) + (1,) * (x.ndim - axis - 1)))
    l = -terms.sum(axis=axis)
    if reduction == "mean":
        return l.sum() / (x.size // n_classes)
    return l.sum() if reduction == "sum" else l


# ----------------------------------------------------------------------------- regression
class MSELoss(Function):
    """l = (x - t)² elementwise

    Backward: dl/dx = 2 (x - t) = -dl/dt, so dx = g * 2 (x - t) and dt = -dx.
    Double backward: supported.
    """

    def forward(self, x, t):
        d = x - t
        d *= d
        return d

    def backward(self, g):
        x, t = self.inputs
        dx = g * (x - t) * 2.0
        return dx, (-dx if self.needs_input_grad[1] else None)


class L1Loss(Function):
    """l = |x - t| elementwise

    Backward: dl/dx = sign(x - t) = -dl/dt, so dx = g * sign(x - t) and dt = -dx.
    Notes: at x = t the kink gets the subgradient 0 (sign(0) = 0), as in PyTorch: a prediction
    that is exactly right is not pushed either way.
    Double backward: supported (the sign is piecewise constant, so second derivatives are 0).
    """

    def forward(self, x, t):
        self.sign = np.sign(x - t)
        return np.abs(x - t)

    def backward(self, g):
        dx = g * constant(self.sign)
        return dx, (-dx if self.needs_input_grad[1] else None)


class HuberLoss(Function):
    """l = 0.5 d² where |d| < delta, delta (|d| - 0.5 delta) elsewhere, with d = x - t

    Forward: with c = clip(d, -delta, delta), both branches are l = c (d - c / 2): inside, c = d
    gives d²/2; outside, c = ±delta gives delta (|d| - delta / 2).
    Backward: dl/dd = d inside and delta sign(d) outside, which is c again; dl/dx = c = -dl/dt,
    so dx = g * c and dt = -dx.
    Saved for backward: c.
    Notes: at |d| = delta the branches meet with the same value delta²/2 and the same slope ±delta,
    so l is continuously differentiable: MSE near the target, L1 (robust to outliers) far from it.
    The second derivative jumps from 1 to 0 there; the clip passes the gradient at the boundary
    (d²l/dx² = 1 at |d| = delta).
    Double backward: supported. Without create_graph dx uses the saved c; with it, c is rebuilt as
    clip(x - t, -delta, delta) in Tensor ops, so d(dx)/dx = g * [|d| <= delta].
    """

    def forward(self, x, t, delta):
        self.delta = delta
        d = x - t
        self.c = c = np.clip(d, -delta, delta)
        d -= 0.5 * c  # our own temporary: d - c / 2
        d *= c
        return d

    def backward(self, g):
        if is_grad_enabled():  # create_graph: c as a differentiable function of x and t
            x, t = self.inputs
            c = clip(x - t, -self.delta, self.delta)
        else:
            c = constant(self.c)
        dx = g * c
        return dx, (-dx if self.needs_input_grad[1] else None)


# ----------------------------------------------------------------------------- public functions
def _reduce(l: Tensor, reduction: str) -> Tensor:
    if reduction == "mean":
        return l.mean()
    return l.sum() if reduction == "sum" else l


def cross_entropy(
    input: Tensor,
    target,
    weight=None,
    ignore_index: int = -100,
    reduction: str = "mean",
    label_smoothing: float = 0.0,
) -> Tensor:
    """Cross-entropy between logits and targets (log-softmax + negative log-likelihood).

    Parameters
    ----------
    input : Tensor
        Unnormalised scores (logits), shape (N, C), (N, C, d1, ...) or unbatched (C,).
    target : Tensor or array
        Integer class indices of shape (N,), (N, d1, ...) or (), or class probabilities of the
        input's shape.
    weight : array of shape (C,), optional
        A weight per class (a constant).
    ignore_index : int
        Integer targets equal to it add nothing to the loss, the mean or the gradient.
    reduction : {"mean", "sum", "none"}
    label_smoothing : float in [0, 1]
        Mix the target with the uniform distribution: (1 - ε) target + ε / C.

    See ``CrossEntropy`` for the formulas and the fused gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.nn import functional as F
    >>> logits = sd.tensor([[2.0, 0.0], [0.0, 2.0]], requires_grad=True)
    >>> loss = F.cross_entropy(logits, sd.tensor([0, 1]))
    >>> round(loss.item(), 4)
    0.1269
    >>> loss.backward()
    >>> logits.grad
    tensor([[-0.0596,  0.0596],
            [ 0.0596, -0.0596]])
    """
    op = "cross_entropy"
    input, n_classes = _class_input(op, input)
    _check_reduction(op, reduction)
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(
            f"{op}: label_smoothing must be between 0.0 and 1.0; received "
            f"label_smoothing={label_smoothing!r}."
        )
    target = constant(target)
    w = _class_weight(op, weight, n_classes, input.dtype)
    if target.dtype.kind == "f" and target.shape == input.shape:
        _check_no_nan(op, target.data)
        if target.dtype != input.dtype:
            target = astype(target, input.dtype)
        return _probability_cross_entropy(input, target, w, reduction, label_smoothing)
    target = _integer_target(op, input, target)
    _check_class_targets(op, input, n_classes, target, ignore_index)
    return CrossEntropy.apply(
        input,
        target,
        weight=w,
        ignore_index=ignore_index,
        reduction=reduction,
        label_smoothing=float(label_smoothing),
    )


def nll_loss(
    input: Tensor, target, weight=None, ignore_index: int = -100, reduction: str = "mean"
) -> Tensor:
    """Negative log-likelihood of integer class targets, given log-probabilities.

    ``nll_loss(log_softmax(x, axis=1), t)`` equals ``cross_entropy(x, t)``. Shapes and options
    as in ``cross_entropy`` (integer targets only). See ``NLLLoss`` for the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.nn import functional as F
    >>> F.nll_loss(sd.tensor([[-0.5, -1.0], [-2.0, -0.1]]), sd.tensor([0, 1]))
    tensor(0.3)
    """
    op = "nll_loss"
    input, n_classes = _class_input(op, input)
    _check_reduction(op, reduction)
    target = _integer_target(op, input, target)
    _check_class_targets(op, input, n_classes, target, ignore_index)
    w = _class_weight(op, weight, n_classes, input.dtype)
    return NLLLoss.apply(input, target, weight=w, ignore_index=ignore_index, reduction=reduction)


def mse_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Mean squared error: the mean (or sum) of ``(input - target)**2``. See ``MSELoss``.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.nn import functional as F
    >>> F.mse_loss(sd.tensor([1.0, 2.0]), sd.tensor([1.0, 4.0]))
    tensor(2.)
    """
    op = "mse_loss"
    input = _float_input(op, input)
    _check_reduction(op, reduction)
    return _reduce(MSELoss.apply(input, _like_input(op, input, target)), reduction)


def l1_loss(input: Tensor, target, reduction: str = "mean") -> Tensor:
    """Mean absolute error: the mean (or sum) of ``|input - target|``. See ``L1Loss``.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.nn import functional as F
    >>> F.l1_loss(sd.tensor([1.0, 2.0]), sd.tensor([1.0, 4.0]))
    tensor(1.)
    """
    op = "l1_loss"
    input = _float_input(op, input)
    _check_reduction(op, reduction)
    return _reduce(L1Loss.apply(input, _like_input(op, input, target)), reduction)


def huber_loss(input: Tensor, target, reduction: str = "mean", delta: float = 1.0) -> Tensor:
    """Huber loss: ``0.5 * d**2`` where ``|d| < delta``, ``delta * (|d| - 0.5 * delta)``
    elsewhere, with ``d = input - target``; quadratic near the target, linear far from it.
    See ``HuberLoss``.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.nn import functional as F
    >>> F.huber_loss(sd.tensor([1.0, 2.0]), sd.tensor([1.5, 5.0]), reduction="none")
    tensor([0.125, 2.5  ])
    """
    op = "huber_loss"
    input = _float_input(op, input)
    _check_reduction(op, reduction)
    if isinstance(delta, (bool, np.bool_)) or not isinstance(delta, (int, float, np.number)):
        raise TypeError(f"{op}: delta must be a positive number; received delta={delta!r}.")
    if not delta > 0:
        raise ValueError(
            f"{op}: delta must be positive (the width of the quadratic zone); received "
            f"delta={delta!r}."
        )
    target = _like_input(op, input, target)
    return _reduce(HuberLoss.apply(input, target, delta=float(delta)), reduction)

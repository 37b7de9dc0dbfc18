"""Normalization: batch_norm and layer_norm.

Both rescale activations to zero mean and unit variance, then apply a learned scale γ (weight)
and shift β (bias): y = γ x̂ + β with x̂ = (x - μ) / σ. They differ only in which axes the
statistics μ and σ² cover. batch_norm (every CNN block, ResNet's BatchNorm2d) takes one mean per
channel over the batch and every spatial position; layer_norm (every Transformer block) takes one
mean per sample over its trailing feature axes.

Each is ONE fused op: the gradient has a closed form (see ``BatchNorm``) that costs two reductions
and a few elementwise passes, where autograd through mean, var, sqrt and divide would record a
dozen nodes and as many full-size temporaries. The composed ``_reference_batch_norm`` and
``_reference_layer_norm`` below are the versions to read first; tests check that both agree.

Shared derivation (normalizing over a group of M elements, with g' = g γ the upstream gradient
seen by x̂, since y = γ x̂ + β):
    x̂_i = (x_i - μ) s,   μ = (1/M) Σ_j x_j,   s = 1/σ = (σ² + eps)^(-1/2),
    σ² = (1/M) Σ_j (x_j - μ)²  (biased),  so  dμ/dx_i = 1/M,  ds/dx_i = -s³ (x_i - μ) / M
    dx̂_j/dx_i = s ([i == j] - 1/M) - (x_j - μ) s³ (x_i - μ) / M = s ([i == j] - 1/M - x̂_j x̂_i / M)
    dx_i = Σ_j g'_j dx̂_j/dx_i = s (g'_i - mean(g') - x̂_i mean(g' x̂))
"""

from __future__ import annotations

import math
import operator

import numpy as np

from scratchdl.autograd.function import Function
from scratchdl.autograd.grad_mode import is_grad_enabled, no_grad
from scratchdl.errors import DTypeError, ShapeError
from scratchdl.ops._convert import constant
from scratchdl.ops._convert import number as _number
from scratchdl.ops.cast import astype
from scratchdl.ops.unary import sqrt
from scratchdl.tensor import Tensor

__all__: list[str] = []


# ----------------------------------------------------------------------------- shared helpers
def _channel_sum(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
    """Σ over N and L of a (or of a * b) for (N, C, L) arrays: one number per channel, (C,).

    Each row of L values is reduced by one SIMD dot product (``vecdot`` with b, or with a vector
    of ones), 3x faster than ``a.sum(axis=(0, 2))``; then the (N, C) partial sums are added over
    N. (A BLAS gemv ``rows @ ones`` is as fast on an idle machine, but its threads stall for
    milliseconds when another process holds a core.)
    """
    n, c, length = a.shape
    rows = a.reshape(n * c, length)  # (N, C, L) -> (N*C, L), a view
    other = np.ones(length, dtype=a.dtype) if b is None else b.reshape(n * c, length)
    return np.vecdot(rows, other).reshape(n, c).sum(axis=0)  # (N*C,) -> (N, C) -> (C,)


def _per_channel(v: np.ndarray, length: int) -> np.ndarray:
    """(C,) -> (C, L): each channel's value repeated along L, in a contiguous block.

    It broadcasts against (N, C, L) like the column v[:, None] does, but NumPy can then stream
    each of the N blocks of C * L values in one inner loop, instead of one short loop per row of
    L values: 2x faster elementwise passes, and they are most of batch_norm's time.
    """
    return np.repeat(v, length).reshape(v.shape[0], length)


def _closed_form_graph(x, g, weight, stat_axes, param_axes, eps):
    """The closed-form gradients of y = γ x̂ + β, written in Tensor ops so that they can be
    differentiated again (double backward). x̂ is rebuilt from x in the graph, not taken from the
    saved array, because d(dx)/dx must see how x̂ depends on x.

    ``weight`` is γ shaped to broadcast against x (or None); μ and σ² cover ``stat_axes``; the
    weight and bias gradients sum over ``param_axes``. Returns (dx, dw, db), dw and db not yet
    reshaped to the parameters' shapes.
    """
    s = (x.var(axis=stat_axes, keepdims=True) + eps) ** -0.5  # 1/σ
    x_hat = (x - x.mean(axis=stat_axes, keepdims=True)) * s
    gw = g if weight is None else g * weight  # g' = g γ
    dx = (
        gw
        - gw.mean(axis=stat_axes, keepdims=True)
        - x_hat * (gw * x_hat).mean(axis=stat_axes, keepdims=True)
    ) * s
    return dx, (g * x_hat).sum(axis=param_axes), g.sum(axis=param_axes)


# ----------------------------------------------------------------------------- batch norm
class BatchNorm(Function):
    """y = γ x̂ + β, x̂ = (x - μ) / sqrt(σ² + eps), statistics per channel (axis 1)

    Forward, for x of shape (N, C, L) (any trailing axes are flattened into L, so M = N * L
    values per channel):
        training:  μ_c = mean of x[:, c, :],  σ²_c = biased variance of x[:, c, :];
                   the running buffers move towards the batch statistics, in place:
                   running_mean = (1 - momentum) running_mean + momentum μ
                   running_var  = (1 - momentum) running_var  + momentum σ² M / (M - 1)
                   (the unbiased variance, as PyTorch).
        eval:      μ = running_mean, σ² = running_var (constants).
    Backward: training, from the module docstring's derivation with g' = g γ_c and γ constant
    over the group of each channel, and s = 1 / sqrt(σ² + eps):
        dx = k (g - mean(g) - x̂ mean(g x̂)),   k = γ s   (means over N and L, per channel)
        dγ = Σ g x̂,   dβ = Σ g                          (sums over N and L, per channel)
    eval: μ and σ are constants, so y is affine in x:
        dx = k g,   dγ = Σ g x̂ with x̂ = (x - running_mean) s,   dβ = Σ g.
    Saved for backward: training: x̂ and s (x̂ only when a gradient is needed); eval: s and μ.
    Shapes: x (N, C), (N, C, L), (N, C, H, W), ...; γ, β, running stats (C,); y like x.
    Notes: the variance is computed from the centered values (two passes), not as
    E[x²] - E[x]², which cancels catastrophically in float32 when |μ| >> σ.
    Without γ and β, y is x̂ itself (the saved array): ops never write into their inputs.
    Double backward: supported. Without create_graph the formulas run directly in NumPy on the
    saved arrays; with it they are built from Tensor ops of x, g and γ (``_closed_form_graph``).
    References: Ioffe and Szegedy, "Batch Normalization", 2015, arXiv:1502.03167.
    """

    def forward(self, x, *affine, has_weight, running_mean, running_var, training, momentum, eps):
        n, c = x.shape[:2]
        length = math.prod(x.shape[2:])
        x3 = x.reshape(n, c, length)  # (N, C, *) -> (N, C, L)
        weight = affine[0] if has_weight else None
        bias = affine[-1] if len(affine) > has_weight else None
        self.x_shape, self.has_weight, self.training, self.eps = x.shape, has_weight, training, eps
        if not training:  # y = x k + (β - μ k), k = γ s: affine in x
            self.mean = mean = np.array(running_mean, dtype=x.dtype)  # a copy: the buffer moves
            self.s = s = 1.0 / np.sqrt(running_var.astype(x.dtype) + eps)
            k = s if weight is None else s * weight
            y = x3 * _per_channel(k, length)
            y += _per_channel(-mean * k if bias is None else bias - mean * k, length)
            return y.reshape(x.shape)
        count = n * length  # M: values per channel
        with np.errstate(invalid="ignore", divide="ignore"):  # an empty batch gives nan, as torch
            mean = _channel_sum(x3) / count
            centered = x3 - _per_channel(mean, length)  # (N, C, L), our own temporary
            var = _channel_sum(centered, centered) / count  # biased
        self.s = s = 1.0 / np.sqrt(var + eps)
        if count > 0:  # an empty batch leaves the running statistics alone
            if running_mean is not None:
                running_mean *= 1.0 - momentum
                running_mean += momentum * mean
            if running_var is not None:
                running_var *= 1.0 - momentum
                running_var += (momentum * count / (count - 1)) * var  # unbiased variance
        if True not in self.needs_input_grad:  # no backward: y = (x - μ) k + β, in place
            k = s if weight is None else s * weight
            y = np.multiply(centered, _per_channel(k, length), out=centered)
        else:  # save x̂ for backward; y = x̂ γ + β is a new array (x̂ itself without γ and β)
            self.x_hat = y = np.multiply(centered, _per_channel(s, length), out=centered)
            if weight is not None:
                y = y * _per_channel(weight, length)
            elif bias is not None:
                y = y.copy()
        if bias is not None:
            y += _per_channel(bias, length)
        return y.reshape(x.shape)

    def backward(self, g):
        if is_grad_enabled():  # create_graph: build the gradients from Tensor ops
            return self._backward_graph(g)
        n, c = self.x_shape[:2]
        length = math.prod(self.x_shape[2:])
        g3 = g.data.reshape(n, c, length)  # (N, C, *) -> (N, C, L)
        need_x = self.needs_input_grad[0]
        need_weight = self.has_weight and self.needs_input_grad[1]
        s = self.s
        k = s * self.inputs[1].data if self.has_weight else s  # γ s
        dg_sum = _channel_sum(g3)  # Σ g, per channel
        if self.training and (need_x or need_weight):
            dg_xhat = _channel_sum(g3, self.x_hat)  # Σ g x̂
        elif need_weight:  # eval: x̂ = (x - μ) s with the running statistics
            centered = self.inputs[0].data.reshape(g3.shape) - _per_channel(self.mean, length)
            dg_xhat = _channel_sum(g3, centered) * s
        dx = dw = None
        if need_x and self.training:  # dx = k (g - mean(g) - x̂ mean(g x̂)), in 4 passes
            count = n * length
            dx = self.x_hat * _per_channel(dg_xhat / count, length)  # x̂ mean(g x̂)
            dx += _per_channel(dg_sum / count, length)  # + mean(g)
            np.subtract(g3, dx, out=dx)
            dx *= _per_channel(k, length)
        elif need_x:
            dx = g3 * _per_channel(k, length)
        if dx is not None:
            dx = Tensor._from_op(dx.reshape(self.x_shape), None)
        if need_weight:
            dw = Tensor._from_op(dg_xhat, None)
        return _select(self, dx, dw, Tensor._from_op(dg_sum, None))

    def _backward_graph(self, g):
        """The same gradients in Tensor ops (double backward); see ``_closed_form_graph``."""
        x = self.inputs[0]
        axes = (0,) + tuple(range(2, x.ndim))
        channel = (1, -1) + (1,) * (x.ndim - 2)  # (C,) -> (1, C, 1, ...), broadcasts along axis 1
        weight = self.inputs[1].reshape(*channel) if self.has_weight else None
        if self.training:
            dx, dw, db = _closed_form_graph(x, g, weight, axes, axes, self.eps)
        else:  # x̂ is affine in x with constant running statistics
            s = constant(self.s.reshape(channel))
            x_hat = (x - constant(self.mean.reshape(channel))) * s
            dx = g * s if weight is None else g * (weight * s)
            dw, db = (g * x_hat).sum(axis=axes), g.sum(axis=axes)
        return _select(self, dx, dw, db)


def _select(fn: Function, dx, dw, db) -> tuple:
    """One gradient per input of ``fn`` (x, then weight and bias where given), None where the
    input needs none."""
    grads = [dx if fn.needs_input_grad[0] else None]
    if fn.has_weight:
        grads.append(dw if fn.needs_input_grad[1] else None)
    if len(fn.inputs) > 1 + fn.has_weight:
        grads.append(db if fn.needs_input_grad[-1] else None)
    return tuple(grads)


# ----------------------------------------------------------------------------- layer norm
class LayerNorm(Function):
    """y = γ x̂ + β, x̂ = (x - μ) / sqrt(σ² + eps), statistics per sample over the trailing axes

    Forward, for x of shape (R, D) (the leading axes flattened into R rows, the normalized
    trailing axes into D): μ_r = mean of row r, σ²_r = its biased variance; γ and β have the
    normalized shape and broadcast along the rows.
    Backward: from the module docstring's derivation, per row, with g' = g γ (γ varies along the
    row here, so g' is formed first) and s = 1 / sqrt(σ² + eps):
        dx = s (g' - mean(g') - x̂ mean(g' x̂))     (means over D, per row)
        dγ = Σ_r g x̂,   dβ = Σ_r g                  (sums over the rows)
    Saved for backward: x̂ (R, D) and s (R,).
    Shapes: x (..., *normalized_shape); γ, β normalized_shape; y like x.
    Notes: as in BatchNorm, the variance is computed from the centered values.
    Double backward: supported (Tensor ops under create_graph, see ``_closed_form_graph``).
    References: Ba, Kiros and Hinton, "Layer Normalization", 2016, arXiv:1607.06450.
    """

    def forward(self, x, *affine, has_weight, normalized_ndim, eps):
        split = x.ndim - normalized_ndim
        rows, width = math.prod(x.shape[:split]), math.prod(x.shape[split:])
        x2 = x.reshape(rows, width)  # (..., *normalized_shape) -> (R, D)
        weight = affine[0].reshape(-1) if has_weight else None
        bias = affine[-1].reshape(-1) if len(affine) > has_weight else None
        self.x_shape, self.split, self.has_weight, self.eps = x.shape, split, has_weight, eps
        with np.errstate(invalid="ignore", divide="ignore"):  # D = 0 gives nan, as torch
            mean = np.vecdot(x2, np.ones(width, dtype=x.dtype)) / width  # (R,)
            x_hat = x2 - mean[:, None]  # (R, D), our own temporary
            var = np.vecdot(x_hat, x_hat) / width  # biased
        self.s = s = 1.0 / np.sqrt(var + eps)
        x_hat *= s[:, None]
        if True in self.needs_input_grad:
            self.x_hat = x_hat
            y = x_hat if weight is None else x_hat * weight  # (R, D) * (D,)
            if weight is None and bias is not None:
                y = y.copy()
        else:  # no backward: work in place
            y = x_hat if weight is None else np.multiply(x_hat, weight, out=x_hat)
        if bias is not None:
            y += bias
        return y.reshape(x.shape)

    def backward(self, g):
        if is_grad_enabled():  # create_graph: build the gradients from Tensor ops
            x = self.inputs[0]
            stat_axes = tuple(range(self.split, x.ndim))
            weight = self.inputs[1] if self.has_weight else None
            dx, dw, db = _closed_form_graph(
                x, g, weight, stat_axes, tuple(range(self.split)), self.eps
            )
            return _select(self, dx, dw, db)
        rows, width = self.x_hat.shape
        g2 = g.data.reshape(rows, width)  # (..., *normalized_shape) -> (R, D)
        x_hat, s = self.x_hat, self.s
        dx = dw = db = None
        if self.needs_input_grad[0]:
            gw = g2 if not self.has_weight else g2 * self.inputs[1].data.reshape(-1)  # g'
            mean_gw = np.vecdot(gw, np.ones(width, dtype=gw.dtype)) / width  # (R,)
            mean_gw_xhat = np.vecdot(gw, x_hat) / width  # (R,)
            dx = x_hat * mean_gw_xhat[:, None]
            dx += mean_gw[:, None]
            np.subtract(gw, dx, out=dx)
            dx *= s[:, None]
            dx = Tensor._from_op(dx.reshape(self.x_shape), None)
        param_shape = self.x_shape[self.split :]
        if self.has_weight and self.needs_input_grad[1]:
            dw = Tensor._from_op(np.einsum("rd,rd->d", g2, x_hat).reshape(param_shape), None)
        if len(self.inputs) > 1 + self.has_weight and self.needs_input_grad[-1]:
            db = Tensor._from_op(g2.sum(axis=0).reshape(param_shape), None)  # Σ_r g
        return _select(self, dx, dw, db)


# ----------------------------------------------------------------------------- references
def _reference_batch_norm(
    x: Tensor,
    running_mean=None,
    running_var=None,
    weight=None,
    bias=None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """batch_norm composed from mean, var, sqrt and broadcasting arithmetic (for reading and
    testing; autograd derives the backward). Updates the running buffers like ``batch_norm``."""
    axes = (0,) + tuple(range(2, x.ndim))  # every axis but the channel axis 1
    channel = (1, -1) + (1,) * (x.ndim - 2)  # (C,) -> (1, C, 1, ...)
    if training:
        mean = x.mean(axis=axes, keepdims=True)
        var = x.var(axis=axes, keepdims=True)  # biased: normalizes this batch
        with no_grad():
            for buffer, stat in ((running_mean, mean), (running_var, x.var(axis=axes, ddof=1))):
                if buffer is not None:
                    array = _raw(buffer)
                    array[...] = (1 - momentum) * array + momentum * stat.data.reshape(-1)
    else:
        mean = constant(_raw(running_mean).astype(x.dtype).reshape(channel))
        var = constant(_raw(running_var).astype(x.dtype).reshape(channel))
    y = (x - mean) / sqrt(var + eps)
    if weight is not None:
        y = y * constant(weight).reshape(*channel)
    if bias is not None:
        y = y + constant(bias).reshape(*channel)
    return y


def _reference_layer_norm(
    x: Tensor, normalized_shape, weight=None, bias=None, eps: float = 1e-5
) -> Tensor:
    """layer_norm composed from mean, var, sqrt and broadcasting arithmetic (for reading and
    testing; autograd derives the backward)."""
    count = 1 if isinstance(normalized_shape, int) else len(normalized_shape)
    axes = tuple(range(x.ndim - count, x.ndim))  # the trailing normalized axes
    mean = x.mean(axis=axes, keepdims=True)
    var = x.var(axis=axes, keepdims=True)  # biased
    y = (x - mean) / sqrt(var + eps)
    if weight is not None:
        y = y * weight
    if bias is not None:
        y = y + bias
    return y


# ----------------------------------------------------------------------------- public functions
def _raw(value):
    return value.data if isinstance(value, Tensor) else value


def _float_input(op: str, x) -> Tensor:
    x = constant(x)
    if x.dtype.kind != "f":
        raise DTypeError(
            f"{op}: input must be a floating tensor; received dtype {x.dtype}. Convert it with "
            "x.astype('float32')."
        )
    return x


def _affine(op: str, name: str, value, shape: tuple[int, ...], x: Tensor, what: str):
    """weight or bias as a Tensor of x's dtype (cast in the graph), or None."""
    if value is None:
        return None
    value = constant(value)
    if value.shape != shape:
        raise ShapeError(
            f"{op}: {name} must have shape {shape} ({what}); received {name} shape "
            f"{value.shape} for input shape {x.shape}."
        )
    if value.dtype.kind != "f":
        raise DTypeError(f"{op}: {name} must be floating; received dtype {value.dtype}.")
    return astype(value, x.dtype)


def _running(op: str, name: str, value, channels: int, x: Tensor):
    """A running-statistics buffer as the array that the op updates in place, or None."""
    if value is None:
        return None
    array = _raw(value)
    if not isinstance(array, np.ndarray):
        raise TypeError(
            f"{op}: {name} must be a Tensor or a NumPy array (it is updated in place); received "
            f"{type(value).__name__}."
        )
    if array.shape != (channels,):
        raise ShapeError(
            f"{op}: {name} must hold one value per channel, shape ({channels},), for input shape "
            f"{x.shape} (C={channels} channels on axis 1); received {name} shape {array.shape}. "
            "Does the layer's num_features match the input's channels?"
        )
    if array.dtype.kind != "f":
        raise DTypeError(f"{op}: {name} must be floating; received dtype {array.dtype}.")
    return array


def batch_norm(
    x: Tensor,
    running_mean,
    running_var,
    weight=None,
    bias=None,
    training: bool = False,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> Tensor:
    """Batch normalization: normalize each channel (axis 1) over the batch and spatial axes.

    Parameters
    ----------
    x : Tensor
        Shape (N, C), (N, C, L) or (N, C, H, W) (more trailing axes work too).
    running_mean, running_var : Tensor or array of shape (C,), or None
        Running statistics. With ``training=True`` they are updated in place (when given) with
        the batch mean and the unbiased batch variance; with ``training=False`` they normalize.
    weight, bias : Tensor of shape (C,), optional
        The learned scale γ and shift β.
    training : bool
        Normalize with the batch statistics (True) or with the running ones (False).
    momentum : float
        running = (1 - momentum) * running + momentum * batch statistic. (A cumulative average,
        PyTorch's ``momentum=None``, is the layer's job: it passes 1 / num_batches_tracked.)
    eps : float
        Added to the variance before the square root.

    See ``BatchNorm`` for the formulas and the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.nn import functional as F
    >>> x = sd.tensor([[1.0, 10.0], [3.0, 30.0]])
    >>> mean, var = sd.zeros(2), sd.ones(2)
    >>> F.batch_norm(x, mean, var, training=True)
    tensor([[-1., -1.],
            [ 1.,  1.]])
    >>> mean, var
    (tensor([0.2, 2. ]), tensor([ 1.1, 20.9]))
    """
    op = "batch_norm"
    x = _float_input(op, x)
    if x.ndim < 2:
        raise ShapeError(
            f"{op}: expected input of shape (N, C), (N, C, L) or (N, C, H, W), with the channels "
            f"on axis 1; received shape {x.shape}. A single sample needs a batch axis: "
            "x.reshape(1, -1)."
        )
    channels = x.shape[1]
    what = f"one value per channel: the input has C={channels} on axis 1"
    weight = _affine(op, "weight", weight, (channels,), x, what)
    bias = _affine(op, "bias", bias, (channels,), x, what)
    running_mean = _running(op, "running_mean", running_mean, channels, x)
    running_var = _running(op, "running_var", running_var, channels, x)
    momentum, eps = _number(op, "momentum", momentum), _number(op, "eps", eps)
    if training and x.shape[0] * math.prod(x.shape[2:]) == 1:
        raise ValueError(
            f"{op}: expected more than 1 value per channel when training; received input shape "
            f"{x.shape}, 1 value per channel. The variance of one value is 0: use a batch of 2 "
            "or more, or training=False to normalize with the running statistics."
        )
    if not training and (running_mean is None or running_var is None):
        raise ValueError(
            f"{op}: running_mean and running_var are needed when training=False (evaluation "
            "normalizes with them); received None. Pass the layer's buffers, or training=True to "
            "normalize with the batch statistics."
        )
    affine = [t for t in (weight, bias) if t is not None]
    return BatchNorm.apply(
        x,
        *affine,
        has_weight=weight is not None,
        running_mean=running_mean,
        running_var=running_var,
        training=bool(training),
        momentum=momentum,
        eps=eps,
    )


def _normalized_shape(op: str, normalized_shape) -> tuple[int, ...]:
    try:
        if isinstance(normalized_shape, (tuple, list)):
            shape = tuple(operator.index(n) for n in normalized_shape)
        else:
            shape = (operator.index(normalized_shape),)
    except TypeError:
        raise TypeError(
            f"{op}: normalized_shape must be an int or a tuple of ints; received "
            f"normalized_shape={normalized_shape!r}."
        ) from None
    if not shape:
        raise ValueError(f"{op}: normalized_shape must name at least one axis; received ().")
    return shape


def layer_norm(x: Tensor, normalized_shape, weight=None, bias=None, eps: float = 1e-5) -> Tensor:
    """Layer normalization: normalize each sample over its trailing ``normalized_shape`` axes.

    Parameters
    ----------
    x : Tensor
        Shape (..., *normalized_shape), for example (B, T, D) with normalized_shape (D,).
    normalized_shape : int or tuple of ints
        The trailing shape the statistics cover.
    weight, bias : Tensor of shape normalized_shape, optional
        The learned elementwise scale γ and shift β.
    eps : float
        Added to the variance before the square root.

    See ``LayerNorm`` for the formulas and the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl.nn import functional as F
    >>> F.layer_norm(sd.tensor([[1.0, 3.0], [10.0, 30.0]]), 2)
    tensor([[-1.,  1.],
            [-1.,  1.]])
    """
    op = "layer_norm"
    x = _float_input(op, x)
    shape = _normalized_shape(op, normalized_shape)
    if x.shape[max(x.ndim - len(shape), 0) :] != shape or len(shape) > x.ndim:
        raise ShapeError(
            f"{op}: normalized_shape {shape} must equal the last {len(shape)} axes of the input; "
            f"received input shape {x.shape}. normalized_shape names the trailing feature axes, "
            f"for example ({x.shape[-1] if x.ndim else 1},) for the last one."
        )
    what = "the normalized_shape"
    weight = _affine(op, "weight", weight, shape, x, what)
    bias = _affine(op, "bias", bias, shape, x, what)
    eps = _number(op, "eps", eps)
    affine = [t for t in (weight, bias) if t is not None]
    return LayerNorm.apply(
        x, *affine, has_weight=weight is not None, normalized_ndim=len(shape), eps=eps
    )

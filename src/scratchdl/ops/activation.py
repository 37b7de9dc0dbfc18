"""Activation functions: tanh, sigmoid, relu, leaky_relu, elu, softplus (gelu: gelu.py).

They sit between the layers of every network (relu in CNNs, gelu in Transformers, tanh and
sigmoid in RNN gates and GAN outputs) and run on every element of every hidden activation, so
each forward is a handful of in-place NumPy passes over one array the op owns. Two NumPy facts
shape the code: selecting with a random boolean mask (``np.where``, ``x[mask]``) is about 10x
slower than arithmetic on the same array, and ``np.clip`` with both bounds given is about 4x
faster than ``np.maximum``. So the piecewise functions are written with ``np.clip`` and masks
multiplied in, not selected.

GELU, which needs the error function erf (``_erf`` in ``_special.py``), lives in ``gelu.py``.
"""

from __future__ import annotations

import numpy as np

from scratchdl.autograd.function import Function
from scratchdl.ops._convert import constant
from scratchdl.ops._convert import floating as _floating
from scratchdl.ops._convert import number as _number
from scratchdl.ops.unary import clip, exp
from scratchdl.tensor import Tensor

__all__ = ["elu", "leaky_relu", "relu", "sigmoid", "softplus", "tanh"]


class Tanh(Function):
    """y = tanh(x) = (e^x - e^-x) / (e^x + e^-x)

    Backward: dy/dx = 1 - tanh(x)² = 1 - y², so dx = g * (1 - y * y).
    Saved for backward: the output y (the output-based form needs no exp or tanh).
    Shapes: any; y has x's shape.
    Notes: np.tanh saturates to ±1 without overflow for any |x|.
    Double backward: supported (y is the live output, so d/dx sees dy/dx = 1 - y²).
    """

    def forward(self, x):
        return np.tanh(x)

    def backward(self, g):
        return TanhBackward.apply(g, self.output())


class TanhBackward(Function):
    """dx = g * (1 - y²): the gradient of tanh as one op, so a tanh costs one backward node.

    Backward (needed only for double backward): dx is a function of g and of y = tanh(x), with
    d(dx)/dg = 1 - y² and d(dx)/dy = -2 g y. For an upstream h:
    dg = h * (1 - y²) (the same op again) and dy = -2 * h * g * y.
    Saved for backward: nothing (g and y come from the graph).
    Shapes: g and y have the tanh's input shape; so does dx.
    Double backward: supported.
    """

    def forward(self, g, y):
        dx = np.multiply(y, y, out=np.empty_like(y))  # out=: a 0-d result stays an array
        np.subtract(1.0, dx, out=dx)
        dx *= g
        return dx

    def backward(self, h):
        g, y = self.inputs
        dg = TanhBackward.apply(h, y) if self.needs_input_grad[0] else None
        dy = h * g * y * -2.0 if self.needs_input_grad[1] else None
        return dg, dy


class Sigmoid(Function):
    """y = sigmoid(x) = 1 / (1 + e^-x)

    Backward: dy/dx = e^-x / (1 + e^-x)² = y (1 - y), so dx = g * (y * (1 - y)).
    Saved for backward: the output y.
    Shapes: any; y has x's shape.
    Notes: for x < -88.7 (float32) or -709.8 (float64), e^-x overflows to inf and
    1/(1 + inf) = 0, the true value (below 1e-38) flushed to zero. So the overflow is harmless:
    only its warning is silenced, and sigmoid(±1000) is quietly 0 and 1. The textbook "stable
    sigmoid" branches on the sign of x to avoid the overflow; that select is slow in NumPy and
    not needed here. The formula keeps a few-ulp relative accuracy in the left tail, where
    0.5 * (1 + tanh(x / 2)) would lose it all.
    Double backward: supported.
    """

    def forward(self, x):
        y = np.negative(x, out=np.empty_like(x))  # out=: a 0-d result stays an array
        with np.errstate(over="ignore"):
            np.exp(y, out=y)  # e^-x, may be inf
        y += 1.0
        return np.reciprocal(y, out=y)

    def backward(self, g):
        return SigmoidBackward.apply(g, self.output())


class SigmoidBackward(Function):
    """dx = g * y (1 - y): the gradient of sigmoid as one op (one backward node per sigmoid).

    Backward (for double backward): d(dx)/dg = y (1 - y) and d(dx)/dy = g (1 - 2y), so
    dg = h * y (1 - y) (the same op again) and dy = h * g * (1 - 2 y).
    Saved for backward: nothing (g and y come from the graph).
    Shapes: g and y have the sigmoid's input shape; so does dx.
    Double backward: supported.
    """

    def forward(self, g, y):
        dx = np.subtract(1.0, y, out=np.empty_like(y))  # out=: a 0-d result stays an array
        dx *= y
        dx *= g
        return dx

    def backward(self, h):
        g, y = self.inputs
        dg = SigmoidBackward.apply(h, y) if self.needs_input_grad[0] else None
        dy = h * g * (1.0 - y * 2.0) if self.needs_input_grad[1] else None
        return dg, dy


class Relu(Function):
    """y = max(x, 0)

    Backward: dy/dx = 1 where x > 0 and 0 where x < 0, so dx = g * mask with mask = [x > 0].
    Saved for backward: the boolean mask (1 byte per element), only when x requires grad.
    Shapes: any; y has x's shape.
    Notes: at the kink x = 0 the gradient is 0 (PyTorch's and TensorFlow's convention: any value
    in the subgradient [0, 1] is valid, and 0 keeps dead units sparse).
    Double backward: supported (the mask is piecewise constant, so d²y/dx² = 0).
    """

    def forward(self, x):
        if self.needs_input_grad[0]:
            self.mask = x > 0
        if x.dtype.kind != "f":
            return np.maximum(x, 0)
        return np.clip(x, 0.0, np.inf)  # ±inf bounds keep np.clip on its fast path

    def backward(self, g):
        return g * constant(self.mask)


class LeakyRelu(Function):
    """y = x where x > 0, negative_slope * x elsewhere

    Backward: dy/dx = 1 where x > 0, negative_slope elsewhere, so dx = g * slope, with slope
    the array of those local derivatives; the forward computes y = x * slope with it.
    Saved for backward: slope, only when x requires grad.
    Shapes: any; y has x's shape.
    Notes: at x = 0 the gradient is negative_slope (PyTorch: the x > 0 test fails at 0).
    slope is built as [x <= 0] * negative_slope + [x > 0]: each element gets exactly one term,
    so it holds exactly 1 or negative_slope (a blend like a + m * (b - a) would round).
    Double backward: supported (slope is piecewise constant).
    """

    def forward(self, x, negative_slope):
        positive = x > 0
        slope = np.logical_not(positive, out=np.empty_like(x))  # 1 where x <= 0, in x's dtype
        slope *= negative_slope
        slope += positive
        if self.needs_input_grad[0]:
            self.slope = slope
        return x * slope

    def backward(self, g):
        return g * constant(self.slope)


class Elu(Function):
    """y = x where x > 0, alpha * (e^x - 1) elsewhere

    Forward: y = max(x, 0) + alpha * expm1(min(x, 0)); one of the two terms is exactly 0, and
    expm1 keeps the precision of e^x - 1 for small |x|.
    Backward: dy/dx = 1 where x > 0 and alpha * e^x where x <= 0, so dx = g * s with
        s = alpha * exp(min(x, 0)) * [x <= 0] + [x > 0],
    computed in NumPy by the op EluBackward (one backward node per elu). min(x, 0) keeps exp
    finite where x > 0 (the masked term would otherwise make inf * 0 = nan at x = inf). For the
    default alpha = 1 the masks are not needed: exp(min(x, 0)) is exactly 1 wherever x >= 0.
    Saved for backward: nothing (x comes from the graph; alpha is a Python float).
    Shapes: any; y has x's shape.
    Notes: at x = 0 the gradient is alpha (PyTorch's convention: the x > 0 test fails at 0).
    The slope is computed from x, not from the output (alpha * e^x = y + alpha, PyTorch's form
    for the in-place elu_): y + alpha cancels for very negative x and would lose the relative
    precision of the tiny slope there.
    Double backward: supported (through EluBackward).
    References: Clevert et al., "Fast and Accurate Deep Network Learning by Exponential Linear
    Units (ELUs)", 2015, arXiv:1511.07289.
    """

    def forward(self, x, alpha):
        self.alpha = alpha
        y = np.clip(x, -np.inf, 0.0, out=np.empty_like(x))
        np.expm1(y, out=y)
        y *= alpha
        y += np.clip(x, 0.0, np.inf)
        return y

    def backward(self, g):
        (x,) = self.inputs
        return EluBackward.apply(g, x, alpha=self.alpha)


class EluBackward(Function):
    """dx = g * s, s = alpha * exp(min(x, 0)) * [x <= 0] + [x > 0]: elu's gradient as one op

    Forward: s in NumPy: clip, exp, and for alpha != 1 the two masks (multiplied in, not
    selected: see the module docstring), then one multiplication by g.
    Backward (for double backward): dx is a function of g and x. d(dx)/dg = s, so
    dg = h * s, this op again; d(dx)/dx = g * ds/dx with ds/dx = alpha * e^x * [x <= 0] (0 where
    x > 0; at the kink x = 0 the left derivative alpha, matching s), so
        dx = h * g * exp(min(x, 0)) * (alpha * [x <= 0]),
    written in Tensor ops of x so that it is differentiable again.
    Saved for backward: alpha (a Python float); g and x come from the graph.
    Shapes: g and x have the elu's input shape; so does dx.
    Double backward: supported.
    """

    def forward(self, g, x, alpha):
        self.alpha = alpha
        s = np.clip(x, -np.inf, 0.0, out=np.empty_like(x))  # min(x, 0)
        np.exp(s, out=s)  # exactly 1 where x >= 0
        if alpha != 1:
            s *= x <= 0
            s *= alpha
            s += x > 0
        s *= g
        return s

    def backward(self, h):
        g, x = self.inputs
        dg = EluBackward.apply(h, x, alpha=self.alpha) if self.needs_input_grad[0] else None
        dx = None
        if self.needs_input_grad[1]:
            alpha_where_negative = np.multiply(x.data <= 0, self.alpha, out=np.empty_like(x.data))
            dx = h * g * (exp(clip(x, max=0.0)) * constant(alpha_where_negative))
        return dg, dx


class Softplus(Function):
    """y = log(1 + e^(beta x)) / beta, and y = x where beta * x > threshold

    Forward: with z = beta * x, log(1 + e^z) = max(z, 0) + log1p(e^-|z|), which never overflows
    (e^-|z| <= 1). Above the threshold y = x, as PyTorch does (the dropped term is below
    e^-threshold / beta, 2e-9 for the default threshold 20).
    Backward: dy/dx = (1/beta) * beta e^z / (1 + e^z) = sigmoid(z), and 1 above the threshold.
    Output-based, like tanh and sigmoid: e^(-beta y) = 1 / (1 + e^z) = 1 - sigmoid(z), so
        s = sigmoid(z) = -expm1(-beta * y) where z <= threshold, s = 1 above it,   dx = g * s,
    computed by the op SoftplusBackward. expm1 costs less than the exp, add and reciprocal of
    1 / (1 + e^-z), and keeps the relative precision of sigmoid's left tail (y ≈ e^z / beta
    there, and expm1(-u) ≈ -u).
    Saved for backward: the boolean mask [z > threshold], only when x requires grad and some
    element is above the threshold (None otherwise); y is the live output.
    Shapes: any; y has x's shape.
    Double backward: supported (through SoftplusBackward; the mask is constant).
    """

    def forward(self, x, beta, threshold):
        self.beta, self.above = beta, None
        z = np.multiply(x, beta, out=np.empty_like(x))
        above = z > threshold
        any_above = above.any()
        if self.needs_input_grad[0] and any_above:
            self.above = above
        y = np.abs(z, out=np.empty_like(x))
        np.negative(y, out=y)
        np.exp(y, out=y)
        np.log1p(y, out=y)  # log1p(e^-|z|)
        y += np.clip(z, 0.0, np.inf, out=z)  # + max(z, 0)
        if beta != 1:
            y /= beta
        if any_above:
            np.copyto(y, x, where=above)
        return y

    def backward(self, g):
        return SoftplusBackward.apply(g, self.output(), beta=self.beta, above=self.above)


class SoftplusBackward(Function):
    """dx = g * s, s = -expm1(-beta * y) (= sigmoid(beta x)), s = 1 where above: softplus's
    gradient as one op, written with the softplus output y

    Backward (for double backward): d(dx)/dg = s, so dg = h * s (this op again); and
    d(dx)/dy = g * beta * e^(-beta y) = g * beta * (1 - s) (0 above the threshold), so
        dy = h * g * beta * exp(-beta * y) * [not above],
    in Tensor ops of y. It reaches x through y's own backward (dy * sigmoid(beta x)), which
    gives the second derivative beta * sigmoid * (1 - sigmoid).
    Saved for backward: beta and the mask (shared with Softplus).
    Shapes: g and y have the softplus's input shape; so does dx.
    Double backward: supported.
    """

    def forward(self, g, y, beta, above):
        self.beta, self.above = beta, above
        s = np.multiply(y, -beta, out=np.empty_like(y))  # out=: a 0-d result stays an array
        np.expm1(s, out=s)
        np.negative(s, out=s)  # sigmoid(beta x)
        if above is not None:
            np.copyto(s, 1.0, where=above)
        s *= g
        return s

    def backward(self, h):
        g, y = self.inputs
        beta, above = self.beta, self.above
        dg = (
            SoftplusBackward.apply(h, y, beta=beta, above=above)
            if self.needs_input_grad[0]
            else None
        )
        dy = None
        if self.needs_input_grad[1]:
            dy = h * g * (exp(y * -beta) * beta)
            if above is not None:
                dy = dy * constant(~above)
        return dg, dy


def tanh(x: Tensor) -> Tensor:
    """Hyperbolic tangent, elementwise: values in (-1, 1). See ``Tanh`` for the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.tanh(sd.tensor([0.0, 1.0]))
    tensor([0.    , 0.7616])
    """
    return Tanh.apply(_floating(x))


def sigmoid(x: Tensor) -> Tensor:
    """Logistic sigmoid ``1 / (1 + exp(-x))``, elementwise: values in [0, 1].

    Stable for any input: ``sigmoid(-1000)`` is 0 and ``sigmoid(1000)`` is 1, without warnings.
    See ``Sigmoid`` for the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.sigmoid(sd.tensor([0.0, 2.0, -1000.0]))
    tensor([0.5   , 0.8808, 0.    ])
    """
    return Sigmoid.apply(_floating(x))


def relu(x: Tensor) -> Tensor:
    """Rectified linear unit ``max(x, 0)``, elementwise. The gradient at 0 is 0; see ``Relu``.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.relu(sd.tensor([-1.0, 0.0, 2.0]))
    tensor([0., 0., 2.])
    """
    return Relu.apply(constant(x))


def leaky_relu(x: Tensor, negative_slope: float = 0.01) -> Tensor:
    """Leaky ReLU: ``x`` where ``x > 0``, ``negative_slope * x`` elsewhere. See ``LeakyRelu``.

    Parameters
    ----------
    x : Tensor
    negative_slope : float
        Slope for ``x <= 0`` (PyTorch's default 0.01; 0.2 is common in GAN discriminators).

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.leaky_relu(sd.tensor([-2.0, 3.0]), negative_slope=0.1)
    tensor([-0.2,  3. ])
    """
    negative_slope = _number("leaky_relu", "negative_slope", negative_slope)
    return LeakyRelu.apply(_floating(x), negative_slope=negative_slope)


def elu(x: Tensor, alpha: float = 1.0) -> Tensor:
    """Exponential linear unit: ``x`` where ``x > 0``, ``alpha * (exp(x) - 1)`` elsewhere.

    See ``Elu`` for the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.elu(sd.tensor([-1.0, 2.0]))
    tensor([-0.6321,  2.    ])
    """
    alpha = _number("elu", "alpha", alpha)
    return Elu.apply(_floating(x), alpha=alpha)


def softplus(x: Tensor, beta: float = 1.0, threshold: float = 20.0) -> Tensor:
    """Softplus ``log(1 + exp(beta * x)) / beta``, a smooth ReLU; linear where ``beta * x``
    exceeds ``threshold`` (PyTorch's semantics). See ``Softplus`` for the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.softplus(sd.tensor([0.0, 1.0, 100.0]))
    tensor([  0.6931,   1.3133, 100.    ])
    """
    beta = _number("softplus", "beta", beta)
    threshold = _number("softplus", "threshold", threshold)
    if beta == 0:
        raise ValueError("softplus: beta must be nonzero (the formula divides by it); received 0.")
    return Softplus.apply(_floating(x), beta=beta, threshold=threshold)

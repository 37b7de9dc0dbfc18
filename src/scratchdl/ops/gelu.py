"""GELU, the Gaussian error linear unit: y = x * Φ(x), with Φ the standard normal CDF.

The activation of Transformers (BERT, GPT-2, ViT), in both of PyTorch's forms: exact, with the
error function (``approximate="none"``), and the tanh approximation of the original GPT-2 code
(``approximate="tanh"``). NumPy has no erf, so the exact form uses ``_erf`` from ``_special.py``.
Its derivative is an op of its own (``GeluSlope``), so that double backward can differentiate it.
The other activations, and the helpers shared with them, are in ``activation.py``.
"""

from __future__ import annotations

import numpy as np

from scratchdl.autograd.function import Function
from scratchdl.ops._special import _erf
from scratchdl.ops.activation import _floating, tanh
from scratchdl.ops.unary import exp
from scratchdl.tensor import Tensor

__all__ = ["gelu"]

_SQRT_HALF = 0.7071067811865476  # 1/√2
_INV_SQRT_2PI = 0.3989422804014327  # 1/√(2π)
_SQRT_2_OVER_PI = 0.7978845608028654  # √(2/π)
_GELU_K = 0.044715  # the cubic coefficient of the tanh approximation


class Gelu(Function):
    """y = x * Φ(x), the Gaussian error linear unit

    Forward, with Φ the standard normal CDF:
        approximate="none":  Φ(x) = (1 + erf(x / √2)) / 2.
        approximate="tanh":  Φ(x) ≈ (1 + t) / 2, t = tanh(u), u = √(2/π) * (x + 0.044715 * x³).
    Backward: by the product rule dy/dx = Φ(x) + x * Φ'(x) =: s.
        "none":  Φ'(x) = φ(x) = exp(-x²/2) / √(2π), so s = Φ + x * φ(x).
        "tanh":  Φ' = (1 - t²) * u' / 2 with u' = √(2/π) * (1 + 3 * 0.044715 * x²),
                 so s = (1 + t) / 2 + x * (1 - t²) * u' / 2.
        dx = g * s, where s is computed by the op GeluSlope, so that double backward can
        differentiate s in turn.
    Saved for backward: Φ ("none") or t ("tanh"), which GeluSlope reuses instead of computing
    erf or tanh again.
    Shapes: any; y has x's shape.
    Notes: like PyTorch, Φ = (1 + erf(x / √2)) / 2 cancels for x < -5, where Φ < 3e-7: the
    absolute error of y stays at rounding level (y -> 0), its relative error grows.
    Double backward: supported (through GeluSlope).
    References: Hendrycks and Gimpel, "Gaussian Error Linear Units (GELUs)", 2016,
    arXiv:1606.08415 (both forms).
    """

    def forward(self, x, approximate):
        self.approximate = approximate
        if approximate == "tanh":
            u = np.multiply(x, x, out=np.empty_like(x))
            u *= _GELU_K
            u += 1.0
            u *= x
            u *= _SQRT_2_OVER_PI  # u = √(2/π) (x + 0.044715 x³)
            self.saved = t = np.tanh(u, out=u)
            y = t + 1.0
            y *= x
            y *= 0.5
            return y
        self.saved = cdf = _erf(x * _SQRT_HALF)
        cdf += 1.0
        cdf *= 0.5  # Φ(x)
        return x * cdf

    def backward(self, g):
        (x,) = self.inputs
        return g * GeluSlope.apply(x, saved=self.saved, approximate=self.approximate)


class GeluSlope(Function):
    """s = dy/dx of GELU as an op of its own (see Gelu), so that its derivative is defined

    Forward: "none": s = Φ + x * φ(x);  "tanh": s = (1 + t + x * w * u') / 2 with w = 1 - t²,
    using Φ or t saved by Gelu's forward.
    Backward: ds/dx is GELU's second derivative.
        "none":  φ'(x) = -x φ(x), so ds/dx = φ + φ + x φ' = φ (2 - x²),
                 dx = g * φ(x) * (2 - x²).
        "tanh":  dt/dx = w u', dw/dx = -2 t w u', u'' = 6 * 0.044715 * √(2/π) * x, so
                 ds/dx = w u' / 2 + (w u' - 2 x t w u'² + x w u'') / 2
                       = w (u' - x t u'² + x u'' / 2),
                 dx = g * w * (u' - x * t * u'² + x * u'' / 2), with t = tanh(u) recomputed
                 from x in Tensor ops.
    Saved for backward: the approximation's name; Φ or t (from Gelu) is used in forward only,
    and the backward recomputes what it needs from x so that it stays differentiable.
    Shapes: any; s has x's shape.
    Double backward: supported (the backward is written in Tensor ops of x).
    """

    def forward(self, x, saved, approximate):
        self.approximate = approximate
        s = np.empty_like(x)
        if approximate == "tanh":
            t = saved
            np.multiply(t, t, out=s)
            np.subtract(1.0, s, out=s)  # w = 1 - t²
            du = x * x
            du *= 3.0 * _GELU_K
            du += 1.0
            du *= _SQRT_2_OVER_PI  # u'
            s *= du
            s *= x
            s += t
            s += 1.0
            s *= 0.5
            return s
        cdf = saved
        np.multiply(x, x, out=s)
        s *= -0.5
        np.exp(s, out=s)
        s *= _INV_SQRT_2PI  # φ(x)
        s *= x
        s += cdf
        return s

    def backward(self, g):
        (x,) = self.inputs
        xx = x * x
        if self.approximate == "tanh":
            du = (xx * (3.0 * _GELU_K) + 1.0) * _SQRT_2_OVER_PI
            t = tanh((xx * _GELU_K + 1.0) * x * _SQRT_2_OVER_PI)
            w = 1.0 - t * t
            d2u = x * (6.0 * _GELU_K * _SQRT_2_OVER_PI)
            return g * (w * (du - x * t * du * du + x * d2u * 0.5))
        phi = exp(xx * -0.5) * _INV_SQRT_2PI
        return g * (phi * (2.0 - xx))


def gelu(x: Tensor, approximate: str = "none") -> Tensor:
    """Gaussian error linear unit ``x * Φ(x)``, with Φ the standard normal CDF.

    Parameters
    ----------
    x : Tensor
    approximate : {"none", "tanh"}
        "none" computes Φ exactly with erf (BERT, ViT); "tanh" uses the tanh approximation of
        the original GPT-2 code. Both match PyTorch's ``F.gelu``. See ``Gelu`` for the gradient.

    Examples
    --------
    >>> import scratchdl as sd
    >>> sd.gelu(sd.tensor([-1.0, 0.0, 1.0]))
    tensor([-0.1587,  0.    ,  0.8413])
    >>> sd.gelu(sd.tensor([1.0]), approximate="tanh")
    tensor([0.8412])
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(
            f"gelu: approximate must be 'none' (exact, with erf) or 'tanh'; received "
            f"approximate={approximate!r}."
        )
    return Gelu.apply(_floating(x), approximate=approximate)

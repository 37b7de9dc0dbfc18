"""RMSprop: divide the gradient by a running root-mean-square of recent gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from scratchdl.optim.optimizer import Optimizer, ParamsT, check_lr, check_nonnegative, lerp_
from scratchdl.tensor import Tensor


class RMSprop(Optimizer):
    r"""RMSprop, with optional momentum and the centered variant.

    For each parameter ``w`` with gradient ``g``, one step does::

        1. if weight_decay != 0:  g = g + weight_decay * w         # L2 penalty
        2. v = alpha * v + (1 - alpha) * g * g                     # running mean of g²
        3. if centered:
        4.     g_avg = alpha * g_avg + (1 - alpha) * g             # running mean of g
        5.     denom = sqrt(v - g_avg * g_avg) + eps               # running std of g
        6. else:
        7.     denom = sqrt(v) + eps                               # running RMS of g
        8. if momentum > 0:
        9.     b = momentum * b + g / denom
       10.     w = w - lr * b
       11. else:
       12.     w = w - lr * g / denom

    ``v``, ``g_avg`` and ``b`` start at zero. This is PyTorch's formulation
    (``torch.optim.RMSprop``): ``eps`` is added outside the square root.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters to optimize, or parameter groups (see ``Optimizer``).
    lr : float, default 1e-2
        Learning rate.
    alpha : float, default 0.99
        Decay rate of the running averages (lines 2 and 4).
    eps : float, default 1e-8
        Added to the denominator so that it is never 0.
    weight_decay : float, default 0
        L2 penalty added to the gradient (line 1).
    momentum : float, default 0
        Momentum factor (line 9).
    centered : bool, default False
        Normalise by the estimated variance of ``g`` instead of its second moment (line 5).

    References
    ----------
    Hinton, Srivastava, Swersky, "Neural Networks for Machine Learning", lecture 6e (2012),
    https://www.cs.toronto.edu/~tijmen/csc321/slides/lecture_slides_lec6.pdf
    Graves (2013), "Generating Sequences With Recurrent Neural Networks" (the centered form),
    https://arxiv.org/abs/1308.0850
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "alpha": alpha,
            "eps": eps,
            "weight_decay": weight_decay,
            "momentum": momentum,
            "centered": centered,
        }
        super().__init__(params, defaults)

    def _validate_hyperparameters(self, h: dict[str, Any]) -> None:
        check_lr("RMSprop", h["lr"])
        check_nonnegative("RMSprop", "eps", h["eps"], "epsilon value")
        check_nonnegative("RMSprop", "momentum", h["momentum"], "momentum value")
        check_nonnegative("RMSprop", "weight_decay", h["weight_decay"], "weight_decay value")
        check_nonnegative("RMSprop", "alpha", h["alpha"], "alpha value")

    def _update(self, p: Tensor, h: dict[str, Any]) -> None:
        """One RMSprop step on one parameter, in place; the numbers refer to the class docstring."""
        lr, alpha, eps = h["lr"], h["alpha"], h["eps"]
        weight_decay, momentum, centered = h["weight_decay"], h["momentum"], h["centered"]
        w, g = p.data, p.grad.data  # g is read, never written (it may be shared)
        state = self.state.get(p)
        if not state:
            state = self.state[p] = {"step": 0, "square_avg": np.zeros_like(w)}
        if momentum > 0 and "momentum_buffer" not in state:
            state["momentum_buffer"] = np.zeros_like(w)
        if centered and "grad_avg" not in state:
            state["grad_avg"] = np.zeros_like(w)
        state["step"] += 1

        if weight_decay != 0:  # 1. g = g + weight_decay * w, in a new array
            g = np.multiply(w, weight_decay, out=np.empty_like(w))
            g += p.grad.data

        tmp = np.empty_like(w)  # the one scratch array of this update
        v = state["square_avg"]
        v *= alpha  # 2.
        np.multiply(g, 1.0 - alpha, out=tmp)
        tmp *= g
        v += tmp
        if centered:
            g_avg = state["grad_avg"]
            lerp_(g_avg, g, 1.0 - alpha, tmp)  # 4.
            np.multiply(g_avg, g_avg, out=tmp)  # 5.
            np.subtract(v, tmp, out=tmp)
            denom = np.sqrt(tmp, out=tmp)
        else:
            denom = np.sqrt(v, out=tmp)  # 7.
        denom += eps

        if momentum > 0:
            b = state["momentum_buffer"]
            b *= momentum  # 9.
            b += np.divide(g, denom, out=tmp)
            np.multiply(b, -lr, out=tmp)  # 10.
            w += tmp
        else:
            update = np.divide(g, denom, out=tmp)  # 12.
            update *= -lr
            w += update

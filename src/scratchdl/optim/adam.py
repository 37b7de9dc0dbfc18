"""Adam: per-coordinate step sizes from running averages of the gradient and its square."""

from __future__ import annotations

from typing import Any

import numpy as np

from scratchdl.optim.optimizer import (
    Optimizer,
    ParamsT,
    check_betas,
    check_lr,
    check_nonnegative,
    lerp_,
)
from scratchdl.tensor import Tensor


class Adam(Optimizer):
    r"""Adam, with optional AMSGrad and coupled (L2) weight decay.

    For each parameter ``w`` with gradient ``g``, step ``t`` (1, 2, ...) does::

        1. if weight_decay != 0:  g = g + weight_decay * w        # L2 penalty, in the gradient
        2. m = beta1 * m + (1 - beta1) * g                        # 1st moment (mean of g)
        3. v = beta2 * v + (1 - beta2) * g * g                    # 2nd moment (mean of g²)
        4. if amsgrad:  v_max = max(v_max, v);  v_hat = v_max      # never shrink the denominator
           else:        v_hat = v
        5. bias_correction1 = 1 - beta1**t                        # m and v start at 0, so early
        6. bias_correction2 = 1 - beta2**t                        # averages are too small
        7. denom = sqrt(v_hat) / sqrt(bias_correction2) + eps
        8. w = w - (lr / bias_correction1) * m / denom

    ``m``, ``v`` (and ``v_max``) start at zero. Lines 5-8 are the paper's
    ``w - lr * m_hat / (sqrt(v_hat) + eps)`` with ``m_hat = m / bias_correction1`` and
    ``v_hat = v / bias_correction2``, arranged as PyTorch does, so that float32 results agree with
    ``torch.optim.Adam`` to rounding. For weight decay that is *not* an L2 penalty, use ``AdamW``.

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters to optimize, or parameter groups (see ``Optimizer``).
    lr : float, default 1e-3
        Learning rate.
    betas : (float, float), default (0.9, 0.999)
        Decay rates of the running averages of ``g`` and ``g * g``; each in [0, 1).
    eps : float, default 1e-8
        Added to the denominator so that it is never 0.
    weight_decay : float, default 0
        L2 penalty added to the gradient (line 1).
    amsgrad : bool, default False
        Use the maximum of all ``v`` so far (line 4).

    References
    ----------
    Kingma and Ba (2015), "Adam: A Method for Stochastic Optimization",
    https://arxiv.org/abs/1412.6980
    Reddi, Kale and Kumar (2018), "On the Convergence of Adam and Beyond" (AMSGrad),
    https://openreview.net/forum?id=ryQu7f-RZ

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl import optim
    >>> w = sd.tensor([1.0, -2.0], requires_grad=True)
    >>> opt = optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()  # the first Adam step moves each coordinate by about lr
    >>> w
    tensor([ 0.9, -1.9], requires_grad=True)
    """

    _decoupled_weight_decay = False  # AdamW sets this

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "betas": betas,
            "eps": eps,
            "weight_decay": weight_decay,
            "amsgrad": amsgrad,
        }
        super().__init__(params, defaults)

    def _validate_hyperparameters(self, h: dict[str, Any]) -> None:
        name = type(self).__name__
        check_lr(name, h["lr"])
        check_nonnegative(name, "eps", h["eps"], "epsilon value")
        check_betas(name, h["betas"])
        check_nonnegative(name, "weight_decay", h["weight_decay"], "weight_decay value")

    def _update(self, p: Tensor, h: dict[str, Any]) -> None:
        """One Adam step on one parameter, in place; the numbers refer to the class docstring."""
        lr, (beta1, beta2), eps = h["lr"], h["betas"], h["eps"]
        weight_decay, amsgrad = h["weight_decay"], h["amsgrad"]
        w, g = p.data, p.grad.data  # g is read, never written (it may be shared)
        state = self.state.get(p)
        if not state:
            state = self.state[p] = {
                "step": 0,
                "exp_avg": np.zeros_like(w),
                "exp_avg_sq": np.zeros_like(w),
            }
        if amsgrad and "max_exp_avg_sq" not in state:
            state["max_exp_avg_sq"] = np.zeros_like(w)
        m, v = state["exp_avg"], state["exp_avg_sq"]
        state["step"] += 1
        t = state["step"]

        if weight_decay != 0:
            if self._decoupled_weight_decay:  # AdamW: shrink w itself
                w *= 1.0 - lr * weight_decay
            else:  # 1. g = g + weight_decay * w, in a new array
                g = np.multiply(w, weight_decay, out=np.empty_like(w))
                g += p.grad.data

        tmp = np.empty_like(w)  # the one scratch array of this update
        lerp_(m, g, 1.0 - beta1, tmp)  # 2. m = m + (1 - beta1) * (g - m)
        v *= beta2  # 3.
        np.multiply(g, 1.0 - beta2, out=tmp)
        tmp *= g
        v += tmp
        if amsgrad:  # 4.
            v_hat = state["max_exp_avg_sq"]
            np.maximum(v_hat, v, out=v_hat)
        else:
            v_hat = v

        bias_correction1 = 1.0 - beta1**t  # 5.
        bias_correction2 = 1.0 - beta2**t  # 6.
        step_size = lr / bias_correction1

        denom = np.sqrt(v_hat, out=tmp)  # 7.
        denom /= bias_correction2**0.5
        denom += eps
        update = np.divide(m, denom, out=tmp)  # 8.
        update *= -step_size
        w += update

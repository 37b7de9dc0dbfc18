"""Adagrad: per-coordinate step sizes that shrink with the sum of past squared gradients."""

from __future__ import annotations

from typing import Any

import numpy as np

from scratchdl.optim.optimizer import Optimizer, ParamsT, check_lr, check_nonnegative
from scratchdl.tensor import Tensor


class Adagrad(Optimizer):
    r"""Adagrad.

    For each parameter ``w`` with gradient ``g``, step ``t`` (1, 2, ...) does::

        1. clr = lr / (1 + (t - 1) * lr_decay)                     # optionally decayed lr
        2. if weight_decay != 0:  g = g + weight_decay * w         # L2 penalty
        3. s = s + g * g                                           # sum of all squared grads
        4. w = w - clr * g / (sqrt(s) + eps)

    ``s`` starts at ``initial_accumulator_value``. Coordinates that have seen large gradients
    get small steps; rarely-updated ones keep large steps, which suits sparse features. Since
    ``s`` only grows, the steps shrink forever (RMSprop and Adam replace the sum by a running
    average).

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters to optimize, or parameter groups (see ``Optimizer``).
    lr : float, default 1e-2
        Learning rate.
    lr_decay : float, default 0
        Learning-rate decay (line 1).
    weight_decay : float, default 0
        L2 penalty added to the gradient (line 2).
    initial_accumulator_value : float, default 0
        Starting value of every entry of ``s``.
    eps : float, default 1e-10
        Added to the denominator so that it is never 0.

    References
    ----------
    Duchi, Hazan and Singer (2011), "Adaptive Subgradient Methods for Online Learning and
    Stochastic Optimization", https://jmlr.org/papers/v12/duchi11a.html

    Note: a param group's own ``initial_accumulator_value`` is used for its parameters.
    (PyTorch fills the accumulator from the value given to the constructor, ignoring a group's
    override.)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-2,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ) -> None:
        defaults = {
            "lr": lr,
            "lr_decay": lr_decay,
            "weight_decay": weight_decay,
            "initial_accumulator_value": initial_accumulator_value,
            "eps": eps,
        }
        super().__init__(params, defaults)

    def _validate_hyperparameters(self, h: dict[str, Any]) -> None:
        check_lr("Adagrad", h["lr"])
        check_nonnegative("Adagrad", "lr_decay", h["lr_decay"], "lr_decay value")
        check_nonnegative("Adagrad", "weight_decay", h["weight_decay"], "weight_decay value")
        check_nonnegative(
            "Adagrad",
            "initial_accumulator_value",
            h["initial_accumulator_value"],
            "initial_accumulator_value",
        )
        check_nonnegative("Adagrad", "eps", h["eps"], "epsilon value")

    def _update(self, p: Tensor, h: dict[str, Any]) -> None:
        """One Adagrad step on one parameter, in place; the numbers refer to the class docstring."""
        lr, lr_decay, weight_decay, eps = h["lr"], h["lr_decay"], h["weight_decay"], h["eps"]
        w, g = p.data, p.grad.data  # g is read, never written (it may be shared)
        state = self.state.get(p)
        if not state:
            initial = h["initial_accumulator_value"]
            state = self.state[p] = {"step": 0, "sum": np.full_like(w, initial)}
        state["step"] += 1
        t = state["step"]

        clr = lr / (1 + (t - 1) * lr_decay)  # 1.
        if weight_decay != 0:  # 2. g = g + weight_decay * w, in a new array
            g = np.multiply(w, weight_decay, out=np.empty_like(w))
            g += p.grad.data

        tmp = np.empty_like(w)  # the one scratch array of this update
        s = state["sum"]
        s += np.multiply(g, g, out=tmp)  # 3.
        denom = np.sqrt(s, out=tmp)  # 4.
        denom += eps
        update = np.divide(g, denom, out=tmp)
        update *= -clr
        w += update

"""Stochastic gradient descent with optional momentum, dampening, Nesterov and L2 decay."""

from __future__ import annotations

from typing import Any

import numpy as np

from scratchdl.optim.optimizer import Optimizer, ParamsT, check_lr, check_nonnegative
from scratchdl.tensor import Tensor


class SGD(Optimizer):
    r"""Stochastic gradient descent (optionally with momentum).

    For each parameter ``w`` with gradient ``g``, one step does::

        1. if weight_decay != 0:  g = g + weight_decay * w          # coupled L2 penalty
        2. if momentum != 0:
        3.     if first step:     b = g                              # buffer starts at g
        4.     else:              b = momentum * b + (1 - dampening) * g
        5.     if nesterov:       g = g + momentum * b               # look ahead
        6.     else:              g = b
        7. w = w - lr * g

    This is PyTorch's formulation (``torch.optim.SGD``): the learning rate multiplies the whole
    buffer, so ``b`` is a running sum of gradients, not of steps as in Sutskever et al. (2013).

    Parameters
    ----------
    params : iterable of Tensor or of dict
        Parameters to optimize, or parameter groups (see ``Optimizer``).
    lr : float, default 1e-3
        Learning rate.
    momentum : float, default 0
        Momentum factor; 0 is plain SGD.
    dampening : float, default 0
        Scales down the gradient added to the buffer (line 4). Not allowed with nesterov.
    weight_decay : float, default 0
        L2 penalty added to the gradient (line 1).
    nesterov : bool, default False
        Nesterov momentum (line 5); needs momentum > 0 and dampening = 0.

    References
    ----------
    Sutskever, Martens, Dahl, Hinton (2013), "On the importance of initialization and momentum in
    deep learning", https://proceedings.mlr.press/v28/sutskever13.html

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl import optim
    >>> w = sd.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = optim.SGD([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> w
    tensor([0.8, 1.6], requires_grad=True)
    """

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        momentum: float = 0.0,
        dampening: float = 0.0,
        weight_decay: float = 0.0,
        nesterov: bool = False,
    ) -> None:
        defaults = {
            "lr": lr,
            "momentum": momentum,
            "dampening": dampening,
            "weight_decay": weight_decay,
            "nesterov": nesterov,
        }
        super().__init__(params, defaults)

    def _validate_hyperparameters(self, h: dict[str, Any]) -> None:
        check_lr("SGD", h["lr"])
        check_nonnegative("SGD", "momentum", h["momentum"], "momentum value")
        check_nonnegative("SGD", "weight_decay", h["weight_decay"], "weight_decay value")
        if h["nesterov"] and (h["momentum"] <= 0 or h["dampening"] != 0):
            raise ValueError(
                "SGD: Nesterov momentum requires momentum > 0 and dampening = 0; received "
                f"momentum={h['momentum']!r}, dampening={h['dampening']!r}."
            )

    def _update(self, p: Tensor, h: dict[str, Any]) -> None:
        """One SGD step on one parameter, in place; the numbers refer to the class docstring."""
        lr, momentum, dampening = h["lr"], h["momentum"], h["dampening"]
        weight_decay, nesterov = h["weight_decay"], h["nesterov"]
        w, g = p.data, p.grad.data  # g is read, never written (it may be shared)
        tmp = np.empty_like(w)  # the one scratch array of this update

        if weight_decay != 0:  # 1. g = g + weight_decay * w
            np.multiply(w, weight_decay, out=tmp)
            tmp += g
            g = tmp

        if momentum != 0:
            state = self.state.setdefault(p, {})
            b = state.get("momentum_buffer")
            if b is None:  # 3. the buffer starts as a copy of g
                b = state["momentum_buffer"] = np.array(g, dtype=w.dtype)
            else:  # 4. b = momentum * b + (1 - dampening) * g
                b *= momentum
                if dampening != 0:  # (so no nesterov: g is not needed after this)
                    np.multiply(g, 1.0 - dampening, out=tmp)
                    b += tmp
                else:
                    b += g
            if nesterov:  # 5. g = g + momentum * b
                if g is tmp:  # weight decay and nesterov: a second array is needed
                    tmp += b * momentum
                else:
                    np.multiply(b, momentum, out=tmp)
                    tmp += g
                g = tmp
            else:  # 6.
                g = b

        # 7. w = w - lr * g
        np.multiply(g, -lr, out=tmp)
        w += tmp

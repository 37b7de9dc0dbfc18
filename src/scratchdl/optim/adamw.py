"""AdamW: Adam with decoupled weight decay."""

from __future__ import annotations

from scratchdl.optim.adam import Adam
from scratchdl.optim.optimizer import ParamsT


class AdamW(Adam):
    r"""Adam with decoupled weight decay (AdamW).

    For each parameter ``w`` with gradient ``g``, step ``t`` (1, 2, ...) does::

        1. w = w * (1 - lr * weight_decay)                        # decay w itself, not g
        2. m = beta1 * m + (1 - beta1) * g
        3. v = beta2 * v + (1 - beta2) * g * g
        4. if amsgrad:  v_max = max(v_max, v);  v_hat = v_max
           else:        v_hat = v
        5. bias_correction1 = 1 - beta1**t
        6. bias_correction2 = 1 - beta2**t
        7. denom = sqrt(v_hat) / sqrt(bias_correction2) + eps
        8. w = w - (lr / bias_correction1) * m / denom

    The only change from ``Adam`` is line 1. In Adam the L2 term ``weight_decay * w`` is added to
    ``g``, so it is divided by ``denom`` like the rest of the gradient and weights with large
    gradients are barely decayed. Here every weight shrinks by the same factor, as in plain SGD
    with weight decay; Loshchilov and Hutter show this generalises better and separates the
    choice of ``weight_decay`` from that of ``lr``.

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
    weight_decay : float, default 1e-2
        Decoupled decay rate (line 1).
    amsgrad : bool, default False
        Use the maximum of all ``v`` so far (line 4).

    References
    ----------
    Loshchilov and Hutter (2019), "Decoupled Weight Decay Regularization",
    https://arxiv.org/abs/1711.05101
    """

    _decoupled_weight_decay = True

    def __init__(
        self,
        params: ParamsT,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
    ) -> None:
        super().__init__(
            params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad
        )

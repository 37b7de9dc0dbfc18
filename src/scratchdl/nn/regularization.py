"""Explicit regularisation terms to add to a loss (the classic course's "cost + L2 term")."""

from __future__ import annotations

from collections.abc import Iterable

from scratchdl.tensor import Tensor


def l2_penalty(parameters: Iterable[Tensor], weight_decay: float) -> Tensor:
    """(weight_decay / 2) * Σ ||p||², summed over ``parameters``.

    Its gradient with respect to each p is weight_decay * p: adding it to the loss is exactly
    SGD's ``weight_decay=weight_decay`` (coupled L2), written out where a learner can see it.
    Usually applied to weights only: ``l2_penalty([m.weight for m in linears], 1e-4)``.

    Examples
    --------
    >>> import scratchdl as sd
    >>> from scratchdl import nn
    >>> nn.l2_penalty([sd.tensor([3.0, 4.0])], weight_decay=0.1)
    tensor(1.25)
    """
    parameters = list(parameters)
    if not weight_decay >= 0:  # also catches nan
        raise ValueError(f"l2_penalty: weight_decay must be >= 0; received {weight_decay!r}.")
    if not parameters:
        raise ValueError("l2_penalty: received no parameters; pass model.parameters() or a list.")
    total = None
    for p in parameters:
        term = (p * p).sum()
        total = term if total is None else total + term
    return total * (0.5 * weight_decay)

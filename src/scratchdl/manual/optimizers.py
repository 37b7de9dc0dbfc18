"""Parameter updates by hand: gradient descent, momentum, RMSprop and Adam.

Each function takes the parameters {"W1", "b1", ...}, the gradients {"dW1", "db1", ...} from
L_model_backward and, for the methods with memory, their state dictionaries ({"dW1", "db1", ...},
one zero array per parameter at the start). Each returns *new* dictionaries and leaves its
inputs untouched, so a learner can compare before and after. For one parameter W with gradient
dW the rules are written in each docstring.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "initialize_adam",
    "initialize_rmsprop",
    "initialize_velocity",
    "update_parameters_with_adam",
    "update_parameters_with_gd",
    "update_parameters_with_momentum",
    "update_parameters_with_rmsprop",
]

Array = NDArray[np.floating]
Params = dict[str, Array]


def _names(parameters: Params) -> list[str]:
    """The parameter names in layer order: W1, b1, W2, b2, ..., WL, bL."""
    L = len(parameters) // 2
    return [f"{kind}{l}" for l in range(1, L + 1) for kind in ("W", "b")]


def _zeros_like_gradients(parameters: Params) -> Params:
    return {f"d{name}": np.zeros_like(parameters[name]) for name in _names(parameters)}


def update_parameters_with_gd(parameters: Params, grads: Params, learning_rate: float) -> Params:
    """Gradient descent: W = W - learning_rate * dW (and the same for every b).

    Examples
    --------
    >>> p = update_parameters_with_gd({"W1": np.ones((1, 1)), "b1": np.zeros((1, 1))},
    ...                               {"dW1": np.ones((1, 1)), "db1": np.ones((1, 1))}, 0.1)
    >>> p["W1"], p["b1"]
    (array([[0.9]]), array([[-0.1]]))
    """
    return {
        name: parameters[name] - learning_rate * grads[f"d{name}"] for name in _names(parameters)
    }


def initialize_velocity(parameters: Params) -> Params:
    """v = {"dW1": 0, "db1": 0, ...}: one zero array per parameter, of its shape."""
    return _zeros_like_gradients(parameters)


def update_parameters_with_momentum(
    parameters: Params, grads: Params, v: Params, beta: float = 0.9, learning_rate: float = 0.01
) -> tuple[Params, Params]:
    """Momentum: an exponentially weighted average of the gradients, then a step along it.

        v = beta * v + (1 - beta) * dW
        W = W - learning_rate * v

    (The course's form. PyTorch's SGD momentum drops the (1 - beta), which only rescales the
    learning rate by 1 / (1 - beta).) Returns (parameters, v).
    """
    new_v, new_parameters = {}, {}
    for name in _names(parameters):
        g = f"d{name}"
        new_v[g] = beta * v[g] + (1 - beta) * grads[g]
        new_parameters[name] = parameters[name] - learning_rate * new_v[g]
    return new_parameters, new_v


def initialize_rmsprop(parameters: Params) -> Params:
    """s = {"dW1": 0, "db1": 0, ...}: one zero array per parameter, of its shape."""
    return _zeros_like_gradients(parameters)


def update_parameters_with_rmsprop(
    parameters: Params,
    grads: Params,
    s: Params,
    beta: float = 0.9,
    learning_rate: float = 0.01,
    epsilon: float = 1e-8,
) -> tuple[Params, Params]:
    """RMSprop: divide each step by a running root-mean-square of that weight's gradients.

        s = beta * s + (1 - beta) * dW²
        W = W - learning_rate * dW / (sqrt(s) + epsilon)

    Weights with large, noisy gradients take smaller steps; flat directions take larger ones.
    Returns (parameters, s).
    """
    new_s, new_parameters = {}, {}
    for name in _names(parameters):
        g = f"d{name}"
        new_s[g] = beta * s[g] + (1 - beta) * np.square(grads[g])
        step = grads[g] / (np.sqrt(new_s[g]) + epsilon)
        new_parameters[name] = parameters[name] - learning_rate * step
    return new_parameters, new_s


def initialize_adam(parameters: Params) -> tuple[Params, Params]:
    """(v, s): the first- and second-moment averages, zero arrays shaped like the parameters."""
    return _zeros_like_gradients(parameters), _zeros_like_gradients(parameters)


def update_parameters_with_adam(
    parameters: Params,
    grads: Params,
    v: Params,
    s: Params,
    t: int,
    learning_rate: float = 0.01,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
) -> tuple[Params, Params, Params]:
    """Adam: momentum and RMSprop together, with bias correction. t counts steps from 1.

        v = beta1 * v + (1 - beta1) * dW                  (first moment)
        s = beta2 * s + (1 - beta2) * dW²                 (second moment)
        v_corrected = v / (1 - beta1^t)                   (both averages start at 0, so early
        s_corrected = s / (1 - beta2^t)                    on they are too small; this undoes it)
        W = W - learning_rate * v_corrected / (sqrt(s_corrected) + epsilon)

    Returns (parameters, v, s). Reference: Kingma & Ba, "Adam", 2015, Algorithm 1.
    """
    if t < 1:
        raise ValueError(
            f"update_parameters_with_adam: t counts the steps taken so far, starting at 1 for "
            f"the first update (the bias correction divides by 1 - beta^t); received t={t!r}."
        )
    correction1 = 1 - math.pow(beta1, t)
    correction2 = 1 - math.pow(beta2, t)
    new_v, new_s, new_parameters = {}, {}, {}
    for name in _names(parameters):
        g = f"d{name}"
        new_v[g] = beta1 * v[g] + (1 - beta1) * grads[g]
        new_s[g] = beta2 * s[g] + (1 - beta2) * np.square(grads[g])
        v_corrected = new_v[g] / correction1
        s_corrected = new_s[g] / correction2
        step = v_corrected / (np.sqrt(s_corrected) + epsilon)
        new_parameters[name] = parameters[name] - learning_rate * step
    return new_parameters, new_v, new_s

"""The whole classic training loop in one function: init, then forward, cost, backward, update."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scratchdl.manual.minibatches import random_mini_batches
from scratchdl.manual.network import (
    L_model_backward,
    L_model_forward,
    compute_cost,
    initialize_parameters,
)
from scratchdl.manual.optimizers import (
    initialize_adam,
    initialize_rmsprop,
    initialize_velocity,
    update_parameters_with_adam,
    update_parameters_with_gd,
    update_parameters_with_momentum,
    update_parameters_with_rmsprop,
)

__all__ = ["L_layer_model"]

OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")


def L_layer_model(
    X: NDArray,
    Y: NDArray,
    layer_dims: list[int],
    learning_rate: float = 0.0075,
    num_iterations: int = 3000,
    optimizer: str = "gd",
    mini_batch_size: int | None = None,
    lambd: float = 0.0,
    keep_prob: float = 1.0,
    initialization: str = "he",
    seed=None,
    print_cost: bool = False,
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
    beta: float = 0.9,
    beta1: float = 0.9,
    beta2: float = 0.999,
    epsilon: float = 1e-8,
) -> tuple[dict[str, NDArray], list[float]]:
    """Train an L-layer binary classifier on X (n_x, m), Y (1, m); return (parameters, costs).

    One iteration is one pass over the data (an epoch): with mini_batch_size=None it is a
    single full-batch step, otherwise one step per shuffled mini-batch. Each step is

        AL, caches = L_model_forward(X, parameters, ..., keep_prob)    # forward, with caches
        cost       = compute_cost(AL, Y, parameters, lambd)            # BCE (+ L2)
        grads      = L_model_backward(AL, Y, caches, lambd, keep_prob) # backward
        parameters = update_parameters_with_<optimizer>(...)           # gd/momentum/rmsprop/adam

    ``costs[i]`` is the mean cost over the steps of iteration i (the cost with the dropout masks
    of that step, when keep_prob < 1). ``beta`` is momentum's and RMSprop's averaging
    coefficient, ``beta1``/``beta2``/``epsilon`` Adam's. ``seed`` (an int, a Generator or None)
    drives initialization, shuffling and dropout, so one seed reproduces the run.

    Examples
    --------
    >>> X = np.array([[0.0, 1.0, 2.0, 3.0]]); Y = np.array([[0.0, 0.0, 1.0, 1.0]])
    >>> parameters, costs = L_layer_model(X, Y, [1, 1], learning_rate=0.5, num_iterations=200,
    ...                                   seed=0)
    >>> costs[-1] < costs[0]
    True
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(
            f"L_layer_model: unknown optimizer {optimizer!r}; expected one of {list(OPTIMIZERS)}."
        )
    if layer_dims[0] != X.shape[0] or layer_dims[-1] != Y.shape[0]:
        raise ValueError(
            f"L_layer_model: layer_dims={layer_dims!r} must start with n_x = X.shape[0] = "
            f"{X.shape[0]} and end with n_y = Y.shape[0] = {Y.shape[0]}."
        )
    if not np.issubdtype(X.dtype, np.floating):
        X = X.astype(np.float64)
    rng = np.random.default_rng(seed)
    parameters = initialize_parameters(layer_dims, initialization, seed=rng, dtype=X.dtype)
    if optimizer == "momentum":
        v = initialize_velocity(parameters)
    elif optimizer == "rmsprop":
        s = initialize_rmsprop(parameters)
    elif optimizer == "adam":
        v, s = initialize_adam(parameters)
    t = 0  # Adam's step counter: the first update uses t = 1
    costs = []

    for i in range(num_iterations):
        if mini_batch_size is None:
            batches = [(X, Y)]
        else:
            batches = random_mini_batches(X, Y, mini_batch_size, seed=rng)
        cost_total = 0.0
        for batch_X, batch_Y in batches:
            AL, caches = L_model_forward(
                batch_X, parameters, hidden_activation, output_activation, keep_prob, rng
            )
            cost_total += compute_cost(AL, batch_Y, parameters, lambd)
            grads = L_model_backward(AL, batch_Y, caches, lambd, keep_prob)
            if optimizer == "gd":
                parameters = update_parameters_with_gd(parameters, grads, learning_rate)
            elif optimizer == "momentum":
                parameters, v = update_parameters_with_momentum(
                    parameters, grads, v, beta, learning_rate
                )
            elif optimizer == "rmsprop":
                parameters, s = update_parameters_with_rmsprop(
                    parameters, grads, s, beta, learning_rate, epsilon
                )
            else:
                t += 1
                parameters, v, s = update_parameters_with_adam(
                    parameters, grads, v, s, t, learning_rate, beta1, beta2, epsilon
                )
        costs.append(cost_total / len(batches))
        if print_cost and (i % 100 == 0 or i == num_iterations - 1):
            print(f"Cost after iteration {i}: {costs[-1]:.6f}")
    return parameters, costs

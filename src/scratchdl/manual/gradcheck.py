"""Gradient checking by hand: compare backprop's gradients with finite differences.

All parameters are flattened into one column vector theta (W1, b1, W2, b2, ... in that order,
each in row-major order); the gradients are flattened the same way. For each entry i,

    gradapprox[i] = (J(theta + ε e_i) - J(theta - ε e_i)) / (2ε)

(central differences: error O(ε²), against O(ε) for one-sided ones), and the check reports

    difference = ||grad - gradapprox|| / (||grad|| + ||gradapprox||)

which is ~1e-9 or smaller for a correct backward pass in float64, and ~1e-1 or larger for a
wrong one. It costs two forward passes per parameter, so it is a debugging tool for small
networks, run without dropout (a random mask changes J between the two evaluations).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from scratchdl.manual.network import L_model_forward, compute_cost

__all__ = [
    "dictionary_to_vector",
    "gradient_check_n",
    "gradients_to_vector",
    "vector_to_dictionary",
]

Array = NDArray[np.floating]


def _names(L: int) -> list[str]:
    return [f"{kind}{l}" for l in range(1, L + 1) for kind in ("W", "b")]


def dictionary_to_vector(parameters: dict[str, Array]) -> tuple[Array, dict[str, tuple]]:
    """Flatten {"W1", "b1", ...} into theta of shape (n, 1); also return {name: shape}.

    The shapes are what vector_to_dictionary needs to undo the flattening.

    Examples
    --------
    >>> theta, shapes = dictionary_to_vector({"W1": np.ones((2, 3)), "b1": np.zeros((2, 1))})
    >>> theta.shape, shapes
    ((8, 1), {'W1': (2, 3), 'b1': (2, 1)})
    """
    names = _names(len(parameters) // 2)
    shapes = {name: parameters[name].shape for name in names}
    theta = np.concatenate([parameters[name].reshape(-1, 1) for name in names])
    return theta, shapes


def vector_to_dictionary(theta: Array, shapes: dict[str, tuple]) -> dict[str, Array]:
    """Cut theta (n, 1) back into {"W1": ..., "b1": ...} with the given shapes (copies)."""
    parameters, start = {}, 0
    for name, shape in shapes.items():
        size = int(np.prod(shape))
        parameters[name] = theta[start : start + size].reshape(shape).copy()
        start += size
    if start != theta.size:
        raise ValueError(
            f"vector_to_dictionary: the shapes hold {start} numbers but theta has {theta.size}."
        )
    return parameters


def gradients_to_vector(gradients: dict[str, Array]) -> Array:
    """Flatten {"dW1", "db1", ...} in the order of dictionary_to_vector; dA entries are ignored."""
    L = sum(1 for key in gradients if key.startswith("dW"))
    return np.concatenate([gradients[f"d{name}"].reshape(-1, 1) for name in _names(L)])


def gradient_check_n(
    parameters: dict[str, Array],
    gradients: dict[str, Array],
    X: Array,
    Y: Array,
    epsilon: float = 1e-7,
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
    lambd: float = 0.0,
    print_msg: bool = False,
) -> float:
    """The relative difference between backprop's gradients and central differences of J.

    J(theta) = compute_cost(L_model_forward(X, theta)[0], Y, theta, lambd), evaluated in float64
    whatever the parameters' dtype. Returns ||grad - gradapprox|| / (||grad|| + ||gradapprox||);
    below ~1e-7 the gradients agree.
    """
    theta, shapes = dictionary_to_vector(parameters)
    theta = theta.astype(np.float64)
    X, Y = np.asarray(X, dtype=np.float64), np.asarray(Y, dtype=np.float64)
    grad = gradients_to_vector(gradients).astype(np.float64)

    def J(theta_: Array) -> float:
        p = vector_to_dictionary(theta_, shapes)
        AL, _ = L_model_forward(X, p, hidden_activation, output_activation)
        return compute_cost(AL, Y, p, lambd)

    gradapprox = np.zeros_like(theta)
    for i in range(theta.shape[0]):
        theta_plus = theta.copy()
        theta_plus[i] += epsilon
        theta_minus = theta.copy()
        theta_minus[i] -= epsilon
        gradapprox[i] = (J(theta_plus) - J(theta_minus)) / (2 * epsilon)

    numerator = np.linalg.norm(grad - gradapprox)
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    difference = float(numerator / denominator) if denominator > 0 else 0.0
    if print_msg:
        verdict = "backward propagation works" if difference < 2e-7 else "there is a mistake"
        print(f"gradient check: difference = {difference:.3e} ({verdict})")
    return difference

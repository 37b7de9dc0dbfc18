"""The L-layer network by hand: parameters, forward pass with caches, cost, backward pass.

Notation (the classic course's): layer l has weights W[l] of shape (n[l], n[l-1]) and bias b[l]
of shape (n[l], 1); examples are *columns*, so the input X has shape (n[0], m) and

    Z[l] = W[l] A[l-1] + b[l]          A[l] = g[l](Z[l])          A[0] = X

The hidden layers use one activation (relu or tanh), the output layer another (sigmoid for the
binary cross-entropy cost). The forward pass keeps in ``caches`` everything the backward pass
needs; the backward pass walks the layers in reverse and applies, per layer,

    dZ = dA * g'(Z)       dW = dZ A_prevᵀ / m       db = Σ_columns dZ / m       dA_prev = Wᵀ dZ

The dictionaries use the course's keys: parameters {"W1", "b1", ..., "WL", "bL"}, gradients
{"dW1", "db1", "dA0", ...}.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

__all__ = [
    "L_model_backward",
    "L_model_forward",
    "compute_cost",
    "dropout_backward",
    "dropout_forward",
    "initialize_parameters",
    "linear_activation_backward",
    "linear_activation_forward",
    "linear_backward",
    "linear_forward",
    "predict",
    "relu",
    "relu_backward",
    "sigmoid",
    "sigmoid_backward",
    "tanh",
    "tanh_backward",
]

Array = NDArray[np.floating]

# ----------------------------------------------------------------------------------------------
# Parameters


def initialize_parameters(
    layer_dims: list[int], method: str = "he", seed=None, dtype=np.float64
) -> dict[str, Array]:
    """Weights W[l] of shape (n[l], n[l-1]) and zero biases b[l] of shape (n[l], 1).

    The weights are drawn as randn(n[l], n[l-1]) * scale, where scale depends on ``method``:

    - "he":           sqrt(2 / n[l-1]), which keeps the variance of relu activations steady
                      from layer to layer (He et al., 2015).
    - "xavier":       sqrt(1 / n[l-1]), the course's Xavier for tanh layers. (Glorot's paper
                      uses sqrt(2 / (n[l-1] + n[l])); both keep Var(Z) near Var(A_prev).)
    - "small_random": 0.01, the first-course habit; fine for shallow nets, vanishing for deep.
    - "zeros":        every weight 0. Every unit of a layer then computes the same thing and
                      receives the same gradient, forever: the symmetry is never broken.

    ``seed`` is an int, a ``np.random.Generator`` or None (fresh entropy). float64 by default.

    Examples
    --------
    >>> p = initialize_parameters([2, 4, 1], seed=0)
    >>> p["W1"].shape, p["b1"].shape, p["W2"].shape, p["b2"].shape
    ((4, 2), (4, 1), (1, 4), (1, 1))
    """
    scales = {
        "he": lambda n_prev: math.sqrt(2.0 / n_prev),
        "xavier": lambda n_prev: math.sqrt(1.0 / n_prev),
        "small_random": lambda n_prev: 0.01,
        "zeros": lambda n_prev: 0.0,
    }
    if method not in scales:
        raise ValueError(
            f"initialize_parameters: unknown method {method!r}; expected one of "
            f"{sorted(scales)}. Received: method={method!r}"
        )
    if len(layer_dims) < 2 or any(int(n) < 1 for n in layer_dims):
        raise ValueError(
            "initialize_parameters: layer_dims needs at least two positive sizes "
            f"[n_x, ..., n_y]; received layer_dims={layer_dims!r}."
        )
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(layer_dims)):
        n, n_prev = int(layer_dims[l]), int(layer_dims[l - 1])
        W = rng.standard_normal((n, n_prev)) * scales[method](n_prev)
        parameters[f"W{l}"] = W.astype(dtype, copy=False)
        parameters[f"b{l}"] = np.zeros((n, 1), dtype=dtype)
    return parameters


# ----------------------------------------------------------------------------------------------
# Activations: each forward returns (A, cache = Z); each backward returns dZ = dA * g'(Z).


def sigmoid(Z: Array) -> tuple[Array, Array]:
    """A = σ(Z) = 1 / (1 + exp(-Z)); returns (A, cache=Z).

    Computed as exp(min(Z, 0)) / (1 + exp(-|Z|)), which equals σ(Z) on both sides of 0 and never
    overflows exp.
    """
    E = np.exp(-np.abs(Z))
    A = np.where(Z >= 0, 1, E) / (1 + E)
    return A, Z


def sigmoid_backward(dA: Array, cache: Array) -> Array:
    """dZ = dA * σ'(Z), with σ'(Z) = σ(Z) (1 - σ(Z))."""
    s, _ = sigmoid(cache)
    return dA * s * (1 - s)


def relu(Z: Array) -> tuple[Array, Array]:
    """A = max(Z, 0); returns (A, cache=Z)."""
    return np.maximum(Z, 0), Z


def relu_backward(dA: Array, cache: Array) -> Array:
    """dZ = dA * relu'(Z), with relu'(Z) = 1 where Z > 0 and 0 elsewhere (0 at Z = 0, too)."""
    return dA * (cache > 0)


def tanh(Z: Array) -> tuple[Array, Array]:
    """A = tanh(Z); returns (A, cache=Z)."""
    return np.tanh(Z), Z


def tanh_backward(dA: Array, cache: Array) -> Array:
    """dZ = dA * tanh'(Z), with tanh'(Z) = 1 - tanh(Z)²."""
    t = np.tanh(cache)
    return dA * (1 - t * t)


_ACTIVATIONS = {
    "sigmoid": (sigmoid, sigmoid_backward),
    "relu": (relu, relu_backward),
    "tanh": (tanh, tanh_backward),
}


def _activation(name: str, where: str):
    if name not in _ACTIVATIONS:
        raise ValueError(
            f"{where}: unknown activation {name!r}; expected one of {sorted(_ACTIVATIONS)}."
        )
    return _ACTIVATIONS[name]


# ----------------------------------------------------------------------------------------------
# Forward pass


def linear_forward(A_prev: Array, W: Array, b: Array) -> tuple[Array, tuple]:
    """Z = W A_prev + b, with b (n, 1) broadcast over the m columns; returns (Z, (A_prev, W, b)).

    Shapes: A_prev (n_prev, m), W (n, n_prev), b (n, 1) -> Z (n, m).
    """
    if W.ndim != 2 or A_prev.ndim != 2 or W.shape[1] != A_prev.shape[0]:
        raise ValueError(
            f"linear_forward: W of shape {W.shape} expects A_prev of shape ({W.shape[-1]}, m), "
            f"one example per column; received A_prev of shape {A_prev.shape}. "
            "help: examples are columns here; pass X.T if your rows are examples."
        )
    if b.shape != (W.shape[0], 1):
        raise ValueError(
            f"linear_forward: b must have shape ({W.shape[0]}, 1) to match W {W.shape}; "
            f"received b of shape {b.shape}."
        )
    Z = W @ A_prev + b
    return Z, (A_prev, W, b)


def linear_activation_forward(
    A_prev: Array, W: Array, b: Array, activation: str
) -> tuple[Array, tuple]:
    """A = g(W A_prev + b) for g in {"sigmoid", "relu", "tanh"}.

    Returns (A, cache) with cache = (linear_cache, activation_cache) = ((A_prev, W, b), Z).
    """
    forward, _ = _activation(activation, "linear_activation_forward")
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = forward(Z)
    return A, (linear_cache, activation_cache)


def dropout_forward(A: Array, keep_prob: float, rng: np.random.Generator) -> tuple[Array, Array]:
    """Inverted dropout: D = (U < keep_prob) with U ~ uniform[0, 1), A_out = A * D / keep_prob.

    Dividing by keep_prob keeps E[A_out] = A, so nothing changes at test time (no dropout then).
    Returns (A_out, D); D is the boolean mask the backward pass needs.
    """
    D = rng.random(A.shape) < keep_prob
    return A * D / keep_prob, D


def dropout_backward(dA: Array, D: Array, keep_prob: float) -> Array:
    """dA_in = dA * D / keep_prob: the dropped units pass no gradient, the kept ones are scaled."""
    return dA * D / keep_prob


def L_model_forward(
    X: Array,
    parameters: dict[str, Array],
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
    keep_prob: float = 1.0,
    rng=None,
) -> tuple[Array, list[tuple]]:
    """[LINEAR -> hidden_activation -> dropout] x (L-1) -> LINEAR -> output_activation.

    With keep_prob < 1 the output of every hidden layer goes through inverted dropout (never the
    input X, never the output AL); ``rng`` (a Generator, a seed or None) draws the masks.

    Returns (AL, caches): AL of shape (n[L], m), and caches[l-1] for layer l =
    (linear_cache, activation_cache, activation, D), where D is the dropout mask or None.

    Examples
    --------
    >>> p = initialize_parameters([2, 3, 1], seed=0)
    >>> AL, caches = L_model_forward(np.ones((2, 5)), p)
    >>> AL.shape, len(caches)
    ((1, 5), 2)
    """
    _check_keep_prob("L_model_forward", keep_prob)
    if keep_prob < 1:
        rng = np.random.default_rng(rng)
    L = len(parameters) // 2
    caches = []
    A = X
    for l in range(1, L + 1):
        activation = output_activation if l == L else hidden_activation
        A, (linear_cache, activation_cache) = linear_activation_forward(
            A, parameters[f"W{l}"], parameters[f"b{l}"], activation
        )
        D = None
        if l < L and keep_prob < 1:
            A, D = dropout_forward(A, keep_prob, rng)
        caches.append((linear_cache, activation_cache, activation, D))
    return A, caches


# ----------------------------------------------------------------------------------------------
# Cost


def compute_cost(
    AL: Array, Y: Array, parameters: dict[str, Array] | None = None, lambd: float = 0.0
) -> float:
    """J = -(1/m) Σ [Y log AL + (1 - Y) log(1 - AL)]  +  (lambd / 2m) Σ_l ||W[l]||²

    The binary cross-entropy averaged over the m examples (columns), plus the L2 penalty on the
    weights (never the biases) when lambd > 0. Numerically safe: each log is clamped at -100, as
    PyTorch does, so AL = 0 or 1 gives a large finite cost instead of inf or nan.

    Examples
    --------
    >>> round(compute_cost(np.array([[0.5, 0.5]]), np.array([[1.0, 0.0]])), 4)
    0.6931
    """
    if AL.shape != Y.shape:
        raise ValueError(
            f"compute_cost: AL and Y must have the same shape (n_y, m); received AL {AL.shape} "
            f"and Y {Y.shape}. help: labels are a row vector of shape (1, m)."
        )
    m = Y.shape[1]
    with np.errstate(divide="ignore"):
        log_AL = np.maximum(np.log(AL), -100)
        log_1mAL = np.maximum(np.log1p(-AL), -100)
    cost = -np.sum(Y * log_AL + (1 - Y) * log_1mAL) / m
    if lambd > 0:
        if parameters is None:
            raise ValueError("compute_cost: lambd > 0 needs the parameters for the L2 term.")
        L = len(parameters) // 2
        squares = sum(np.sum(np.square(parameters[f"W{l}"])) for l in range(1, L + 1))
        cost = cost + lambd / (2 * m) * squares
    return float(cost)


# ----------------------------------------------------------------------------------------------
# Backward pass


def linear_backward(dZ: Array, cache: tuple, lambd: float = 0.0) -> tuple[Array, Array, Array]:
    """From dZ = dJ/dZ to (dA_prev, dW, db) for Z = W A_prev + b over m columns.

        dW = dZ A_prevᵀ / m  (+ lambd / m * W with L2)     db = Σ_columns dZ / m
        dA_prev = Wᵀ dZ

    The 1/m comes from the cost's average over examples; dZ is the gradient of the *summed*
    per-example losses (that is how dAL is written in L_model_backward).
    """
    A_prev, W, b = cache
    m = A_prev.shape[1]
    dW = dZ @ A_prev.T / m
    if lambd > 0:
        dW = dW + lambd / m * W
    db = np.sum(dZ, axis=1, keepdims=True) / m
    dA_prev = W.T @ dZ
    return dA_prev, dW, db


def linear_activation_backward(
    dA: Array, cache: tuple, activation: str, lambd: float = 0.0
) -> tuple[Array, Array, Array]:
    """dZ = dA * g'(Z), then linear_backward: returns (dA_prev, dW, db).

    ``cache`` is (linear_cache, activation_cache) as linear_activation_forward returned it.
    """
    _, backward = _activation(activation, "linear_activation_backward")
    linear_cache, activation_cache = cache
    dZ = backward(dA, activation_cache)
    return linear_backward(dZ, linear_cache, lambd)


def L_model_backward(
    AL: Array, Y: Array, caches: list[tuple], lambd: float = 0.0, keep_prob: float = 1.0
) -> dict[str, Array]:
    """Gradients of compute_cost(AL, Y, parameters, lambd) for every layer, last to first.

    Start: dAL = -(Y / AL - (1 - Y) / (1 - AL)) = (AL - Y) / (AL (1 - AL)), the derivative of
    the per-example BCE. With a sigmoid output, dZL = dAL * AL (1 - AL) = AL - Y. The
    denominator is clamped at 1e-12 (as PyTorch does), so a saturated AL gives dZL = 0
    instead of nan.

    Then for l = L, ..., 1: undo layer l's dropout (dA = dA * D / keep_prob, with the mask
    saved in the forward pass) and apply linear_activation_backward. Returns
    {"dW1", "db1", ..., "dA0", ..., "dA(L-1)"}, where dA(l) is the gradient of the summed
    per-example losses with respect to A[l] (the cost's 1/m enters at dW and db).
    """
    _check_keep_prob("L_model_backward", keep_prob)
    if AL.shape != Y.shape:
        raise ValueError(
            f"L_model_backward: AL and Y must have the same shape; received AL {AL.shape} "
            f"and Y {Y.shape}."
        )
    grads = {}
    L = len(caches)
    dA = (AL - Y) / np.maximum(AL * (1 - AL), 1e-12)
    for l in reversed(range(1, L + 1)):
        linear_cache, activation_cache, activation, D = caches[l - 1]
        if D is not None:
            dA = dropout_backward(dA, D, keep_prob)
        dA, dW, db = linear_activation_backward(
            dA, (linear_cache, activation_cache), activation, lambd
        )
        grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = dA, dW, db
    return grads


# ----------------------------------------------------------------------------------------------
# Prediction


def predict(
    X: Array,
    parameters: dict[str, Array],
    hidden_activation: str = "relu",
    output_activation: str = "sigmoid",
    threshold: float = 0.5,
) -> NDArray[np.int64]:
    """0/1 predictions of shape (n_y, m): 1 where AL > threshold. No dropout at test time.

    Examples
    --------
    >>> p = {"W1": np.array([[1.0, -1.0]]), "b1": np.zeros((1, 1))}
    >>> predict(np.array([[2.0, 0.0], [1.0, 3.0]]), p)
    array([[1, 0]])
    """
    AL, _ = L_model_forward(X, parameters, hidden_activation, output_activation)
    return (AL > threshold).astype(np.int64)


def _check_keep_prob(where: str, keep_prob: float) -> None:
    if not 0 < keep_prob <= 1:
        raise ValueError(
            f"{where}: keep_prob is the probability of keeping a unit and must lie in (0, 1]; "
            f"received keep_prob={keep_prob!r}."
        )

"""Check a hand-derived gradient against finite differences.

For a function f of tensors and a random upstream gradient g (shaped like f's output), the
scalar L = sum(g * f(x)) has dL/dx = the vector-Jacobian product that ``backward`` computes. The
numerical estimate perturbs one element of x at a time:

    dL/dx[i] ≈ (L(x + eps·e_i) - L(x - eps·e_i)) / (2 eps)

(central differences, error O(eps²)). Run it in float64: in float32 the rounding error of L
swamps the difference for any useful eps.

``gradgradcheck`` applies the same test to the backward pass itself (the gradient as a function
of x and g), which proves double backward.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from scratchdl.autograd.engine import grad
from scratchdl.errors import GradientError
from scratchdl.tensor import Tensor


class GradcheckError(GradientError):
    """A numerical and an analytical gradient disagree."""


def _as_tuple(value) -> tuple:
    return value if isinstance(value, (tuple, list)) else (value,)


def _objective(fn: Callable, inputs: Sequence[Tensor], weights: Sequence[np.ndarray]) -> float:
    # Not under no_grad: fn may itself call autograd (gradgradcheck's fn does).
    outputs = _as_tuple(fn(*inputs))
    return float(sum(np.sum(w * out.data) for w, out in zip(weights, outputs)))


def _numerical(fn, inputs, weights, index: int, eps: float) -> np.ndarray:
    x = inputs[index].data
    numerical = np.zeros(x.shape, dtype=np.float64)
    for position in np.ndindex(x.shape):
        original = x[position]
        x[position] = original + eps
        plus = _objective(fn, inputs, weights)
        x[position] = original - eps
        minus = _objective(fn, inputs, weights)
        x[position] = original
        numerical[position] = (plus - minus) / (2 * eps)
    return numerical


def gradcheck(
    fn: Callable,
    inputs: Tensor | Sequence[Tensor],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool:
    """Compare the autograd gradient of ``fn`` with central finite differences.

    Parameters
    ----------
    fn : callable
        Takes the tensors in ``inputs`` and returns a Tensor or a tuple of Tensors.
    inputs : Tensor or sequence of Tensors
        Use float64; only those with ``requires_grad=True`` are checked. Their data is perturbed
        in place during the check and restored afterwards.
    eps, atol, rtol : float
        Step and tolerances: passes where ``|numerical - analytical| <= atol + rtol * |numerical|``.
    seed : int
        Seed of the random upstream gradient g.
    raise_exception : bool
        Raise ``GradcheckError`` naming the input, element and both values on failure (default);
        otherwise return False.

    Examples
    --------
    >>> import scratchdl as sd
    >>> x = sd.tensor([0.3, -1.2], dtype="float64", requires_grad=True)
    >>> sd.gradcheck(lambda t: t * t * t, x)
    True
    """
    inputs = list(_as_tuple(inputs))
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    if not checked:
        raise ValueError(
            "gradcheck: no input has requires_grad=True, so there is nothing to check."
        )
    for i in checked:
        if inputs[i].dtype != np.float64:
            raise ValueError(
                f"gradcheck: input {i} has dtype {inputs[i].dtype}; finite differences need "
                "float64 (make the inputs with dtype='float64')."
            )
    outputs = _as_tuple(fn(*inputs))
    rng = np.random.default_rng(seed)
    weights = [rng.standard_normal(out.shape) for out in outputs]
    differentiable = [(out, w) for out, w in zip(outputs, weights) if out.requires_grad]
    if differentiable:
        analytical = grad(
            [out for out, _ in differentiable],
            [inputs[i] for i in checked],
            grad_outputs=[Tensor._from_op(w.astype(out.dtype), None) for out, w in differentiable],
            allow_unused=True,
        )
    else:
        analytical = (None,) * len(checked)
    for i, dx in zip(checked, analytical):
        numerical = _numerical(fn, inputs, weights, i, eps)
        computed = np.zeros_like(numerical) if dx is None else dx.data.astype(np.float64)
        error = np.abs(numerical - computed)
        bad = error > atol + rtol * np.abs(numerical)
        if bad.any():
            if not raise_exception:
                return False
            position = tuple(int(p) for p in np.argwhere(bad)[0])
            raise GradcheckError(
                f"gradcheck: gradient of input {i} (shape {inputs[i].shape}) is wrong at element "
                f"{position}: numerical {numerical[position]!r} vs analytical "
                f"{computed[position]!r} ({int(bad.sum())} of {bad.size} elements differ; "
                f"largest error {error.max():.3g})."
            )
    return True


def gradgradcheck(
    fn: Callable,
    inputs: Tensor | Sequence[Tensor],
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    seed: int = 0,
    raise_exception: bool = True,
) -> bool:
    """Check second derivatives: gradcheck of the gradient of ``fn``.

    The gradient x ↦ vjp(fn, x, g) (and g ↦ the same) is built with ``create_graph=True`` and
    checked against finite differences like any other function.
    """
    inputs = list(_as_tuple(inputs))
    checked = [i for i, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    outputs = _as_tuple(fn(*inputs))
    rng = np.random.default_rng(seed + 1)
    grad_outputs = [
        Tensor(rng.standard_normal(out.shape), dtype=out.dtype, requires_grad=True)
        for out in outputs
    ]
    count = len(inputs)

    def first_derivative(*args):
        xs, gs = list(args[:count]), args[count:]
        outs = _as_tuple(fn(*xs))
        pairs = [(o, g) for o, g in zip(outs, gs) if o.requires_grad]
        grads = grad(
            [o for o, _ in pairs],
            [xs[i] for i in checked],
            grad_outputs=[g for _, g in pairs],
            create_graph=True,
            allow_unused=True,
        )
        # Keep every gradient, even one outside the graph: a backward built from raw arrays
        # returns such constants, and the finite differences must then expose it.
        return tuple(
            d if d is not None else Tensor._from_op(np.zeros_like(xs[i].data), None)
            for i, d in zip(checked, grads)
        )

    return gradcheck(
        first_derivative,
        inputs + grad_outputs,
        eps=eps,
        atol=atol,
        rtol=rtol,
        seed=seed,
        raise_exception=raise_exception,
    )

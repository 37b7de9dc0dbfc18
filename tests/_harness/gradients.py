"""Gradient test helpers shared by every op test: a new op's test is a few lines.

``check_gradients(fn, *arrays)`` runs, on the same inputs:

* a finite-difference check in float64 with a random upstream gradient (``sd.gradcheck``);
* optionally a double-backward check (``sd.gradgradcheck``);
* a float32 run that checks output and gradient dtypes stay float32 (no silent upcast) and that
  gradient shapes equal input shapes;
* purity: forward does not modify its inputs and backward does not modify ``g``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import scratchdl as sd


def _as_tuple(value):
    return value if isinstance(value, (tuple, list)) else (value,)


def check_gradients(
    fn: Callable,
    *arrays: np.ndarray,
    grad_inputs: tuple[int, ...] | None = None,
    double: bool = False,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    eps: float = 1e-6,
) -> None:
    """Run every gradient check that applies to ``fn`` on inputs ``arrays``.

    ``grad_inputs`` lists which inputs require grad (default: every floating input). Integer
    arrays (indices, targets) are passed through as integer tensors.
    """
    if grad_inputs is None:
        grad_inputs = tuple(i for i, a in enumerate(arrays) if np.asarray(a).dtype.kind == "f")

    def make(dtype):
        tensors = []
        for i, a in enumerate(arrays):
            a = np.asarray(a)
            if a.dtype.kind == "f":
                a = a.astype(dtype)
            tensors.append(sd.tensor(a, requires_grad=i in grad_inputs))
        return tensors

    inputs64 = make(np.float64)
    sd.gradcheck(fn, inputs64, eps=eps, atol=atol, rtol=rtol)
    if double:
        sd.gradgradcheck(fn, make(np.float64), eps=eps, atol=atol, rtol=rtol)
    check_dtype_and_purity(fn, make(np.float32), grad_inputs)


def check_dtype_and_purity(fn: Callable, inputs: list, grad_inputs) -> None:
    """float32 in, float32 out and float32 gradients; no input or ``g`` mutated."""
    before = [t.data.copy() for t in inputs]
    outputs = _as_tuple(fn(*inputs))
    for t, original in zip(inputs, before):
        np.testing.assert_array_equal(t.data, original, err_msg="forward modified its input")
    rng = np.random.default_rng(7)
    for out in outputs:
        if out.dtype.kind == "f":
            assert out.dtype == np.float32, f"output dtype {out.dtype}, expected float32"
    differentiable = [o for o in outputs if o.requires_grad]
    if not differentiable:
        return
    seeds = [sd.tensor(rng.standard_normal(o.shape).astype(np.float32)) for o in differentiable]
    seed_copies = [s.data.copy() for s in seeds]
    targets = [inputs[i] for i in grad_inputs]
    grads = sd.autograd.grad(differentiable, targets, grad_outputs=seeds, allow_unused=True)
    for s, original in zip(seeds, seed_copies):
        np.testing.assert_array_equal(s.data, original, err_msg="backward modified g")
    for t, dx in zip(targets, grads):
        if dx is None:
            continue
        assert dx.dtype == np.float32, f"gradient dtype {dx.dtype}, expected float32"
        assert dx.shape == t.shape, f"gradient shape {dx.shape}, expected {t.shape}"
    # The same through .backward() and .grad, the path training loops use.
    outputs = _as_tuple(fn(*inputs))
    loss = sum((o * s).sum() for o, s in zip([o for o in outputs if o.requires_grad], seeds))
    loss.backward()
    for t in targets:
        if t.grad is not None:
            assert t.grad.dtype == np.float32, f".grad dtype {t.grad.dtype}, expected float32"
            assert t.grad.shape == t.shape, f".grad shape {t.grad.shape}, expected {t.shape}"

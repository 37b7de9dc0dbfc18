"""Compare a scratchdl op with PyTorch on the same inputs: forward values and gradients.

``compare_with_torch(sd_fn, torch_fn, *arrays)`` runs both functions on the same data (float64 by
default, where they must agree to about 1e-10; float32 to float32 rounding), backpropagates the
same random upstream gradient through each, and compares outputs and every input gradient.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import scratchdl as sd

TOLERANCES = {np.float64: (1e-10, 1e-9), np.float32: (1e-5, 1e-4)}


def compare_with_torch(
    sd_fn: Callable,
    torch_fn: Callable,
    *arrays: np.ndarray,
    dtype=np.float64,
    grad_inputs: tuple[int, ...] | None = None,
    atol: float | None = None,
    rtol: float | None = None,
) -> None:
    """Assert that ``sd_fn`` and ``torch_fn`` agree in forward and backward.

    Floating arrays are cast to ``dtype``; integer arrays are passed as integer tensors.
    ``grad_inputs`` lists the inputs to differentiate (default: every floating input).
    """
    import torch

    torch.set_num_threads(2)
    default_atol, default_rtol = TOLERANCES[np.dtype(dtype).type]
    atol = default_atol if atol is None else atol
    rtol = default_rtol if rtol is None else rtol
    arrays = [np.asarray(a) for a in arrays]
    arrays = [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]
    if grad_inputs is None:
        grad_inputs = tuple(i for i, a in enumerate(arrays) if a.dtype.kind == "f")

    sd_inputs = [sd.tensor(a.copy(), requires_grad=i in grad_inputs) for i, a in enumerate(arrays)]
    torch_inputs = [
        torch.tensor(a.copy(), requires_grad=i in grad_inputs) for i, a in enumerate(arrays)
    ]
    sd_out = sd_fn(*sd_inputs)
    torch_out = torch_fn(*torch_inputs)
    np.testing.assert_allclose(
        sd_out.data, torch_out.detach().numpy(), atol=atol, rtol=rtol, err_msg="forward differs"
    )
    assert sd_out.dtype == torch_out.detach().numpy().dtype, "output dtypes differ"
    if not grad_inputs or not torch_out.requires_grad:
        return
    g = np.random.default_rng(99).standard_normal(sd_out.shape).astype(sd_out.dtype)
    sd_out.backward(sd.tensor(g))
    torch_out.backward(torch.tensor(g))
    for i in grad_inputs:
        expected = torch_inputs[i].grad
        got = sd_inputs[i].grad
        if expected is None:
            assert got is None or np.all(got.data == 0), f"input {i}: torch has no gradient"
            continue
        assert got is not None, f"input {i}: scratchdl computed no gradient"
        np.testing.assert_allclose(
            got.data, expected.numpy(), atol=atol, rtol=rtol, err_msg=f"gradient of input {i}"
        )
        assert got.dtype == expected.numpy().dtype, f"gradient dtype of input {i} differs"

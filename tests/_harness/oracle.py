"""Compare a scratchdl op with PyTorch on the same inputs: forward values and gradients.

``compare_with_torch(sd_fn, torch_fn, *arrays)`` runs both functions on the same data (float64 by
default, where they must agree to about 1e-10; float32 to float32 rounding), backpropagates the
same random upstream gradient through each, and compares outputs and every input gradient.

By default both frameworks get C-contiguous copies of the inputs. ``layout="strided"`` or
``layout="transposed"`` instead gives each of them a non-contiguous view of the same values (see
``_layout_view``), so that an op which assumes contiguous memory, or reads outside its view, fails
against the oracle.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import scratchdl as sd

TOLERANCES = {np.float64: (1e-10, 1e-9), np.float32: (1e-5, 1e-4)}
LAYOUTS = ("contiguous", "strided", "transposed")


def _layout_view(a: np.ndarray, layout: str) -> np.ndarray:
    """A new array holding the values of ``a`` in the memory layout ``layout`` (0-d: a copy).

    * "contiguous": a C-contiguous copy.
    * "strided": every other element of an array twice as long on the last axis, starting at
      element 1 (``big[..., 1::2]``: a non-unit stride and a non-zero offset). The skipped elements
      hold nan (floats) or -1 (integers), so an op that reads outside its view shows it.
    * "transposed": the transpose of a C-contiguous array of the reversed shape (an F-ordered view;
      where that is still C-contiguous, as for 1-d arrays, the same as "strided").
    """
    if layout == "contiguous" or a.ndim == 0:
        return np.array(a, order="C")  # a C-contiguous copy (ascontiguousarray makes 0-d 1-d)
    if layout == "transposed":
        view = np.ascontiguousarray(a.T).T
        if not view.flags.c_contiguous:
            return view
    big = np.full(a.shape[:-1] + (2 * a.shape[-1],), np.nan if a.dtype.kind == "f" else -1)
    view = big.astype(a.dtype)[..., 1::2]
    view[...] = a
    return view


def _sd_tensor(view: np.ndarray, requires_grad: bool):
    """A scratchdl tensor holding ``view`` itself (``sd.tensor`` would make a contiguous copy)."""
    t = sd.tensor(view, requires_grad=requires_grad)
    t.data = view
    return t


def compare_with_torch(
    sd_fn: Callable,
    torch_fn: Callable,
    *arrays: np.ndarray,
    dtype=np.float64,
    grad_inputs: tuple[int, ...] | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    layout: str = "contiguous",
) -> None:
    """Assert that ``sd_fn`` and ``torch_fn`` agree in forward and backward.

    Floating arrays are cast to ``dtype``; integer arrays are passed as integer tensors.
    ``grad_inputs`` lists the inputs to differentiate (default: every floating input).
    ``layout`` is the memory layout both frameworks see: "contiguous" (default), "strided" or
    "transposed" (non-contiguous views with the same values; see ``_layout_view``).
    """
    import torch

    if layout not in LAYOUTS:
        raise ValueError(f"compare_with_torch: layout must be one of {LAYOUTS}; got {layout!r}")
    torch.set_num_threads(2)
    default_atol, default_rtol = TOLERANCES[np.dtype(dtype).type]
    atol = default_atol if atol is None else atol
    rtol = default_rtol if rtol is None else rtol
    arrays = [np.asarray(a) for a in arrays]
    arrays = [a.astype(dtype) if a.dtype.kind == "f" else a for a in arrays]
    if grad_inputs is None:
        grad_inputs = tuple(i for i, a in enumerate(arrays) if a.dtype.kind == "f")

    # Each framework gets its own buffer, so that an op writing into its input cannot hide it.
    sd_inputs = [
        _sd_tensor(_layout_view(a, layout), i in grad_inputs) for i, a in enumerate(arrays)
    ]
    torch_inputs = [
        torch.from_numpy(_layout_view(a, layout)).requires_grad_(i in grad_inputs)
        for i, a in enumerate(arrays)
    ]
    before = [t.data.copy() for t in sd_inputs]
    sd_out = sd_fn(*sd_inputs)
    torch_out = torch_fn(*torch_inputs)
    np.testing.assert_allclose(
        sd_out.data, torch_out.detach().numpy(), atol=atol, rtol=rtol, err_msg="forward differs"
    )
    assert sd_out.dtype == torch_out.detach().numpy().dtype, "output dtypes differ"
    for i, (t, original) in enumerate(zip(sd_inputs, before)):
        np.testing.assert_array_equal(t.data, original, err_msg=f"forward modified input {i}")
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

"""Table-driven op tests: one row per case, three checks per row.

A row is ``(name, input_shape, scratchdl_fn, numpy_reference, torch_fn)``. ``table_tests(rows)``
returns three pytest test functions, parametrized over the rows, that a test module binds to
names starting with ``test_``:

* the forward equals the NumPy reference exactly;
* ``check_gradients`` (float64 finite differences, double backward, float32 dtype and purity);
* the forward and backward match PyTorch in float64 and float32 (``oracle``).
"""

from __future__ import annotations

import numpy as np
import pytest

import scratchdl as sd
from tests._harness.gradients import check_gradients
from tests._harness.oracle import compare_with_torch


def random_input(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return np.asarray(rng.standard_normal(shape))  # a 0-d draw is a Python float otherwise


def table_tests(rows: list[tuple]):
    cases = {row[0]: row[1:] for row in rows}
    names = list(cases)

    @pytest.mark.parametrize("name", names)
    def forward_matches_numpy(rng, name):
        shape, fn, reference, _ = cases[name]
        a = random_input(rng, shape)
        np.testing.assert_array_equal(fn(sd.tensor(a)).data, reference(a))

    @pytest.mark.parametrize("name", names)
    def gradients(rng, name):
        shape, fn, _, _ = cases[name]
        check_gradients(fn, random_input(rng, shape), double=True)

    @pytest.mark.oracle
    @pytest.mark.parametrize("name", names)
    @pytest.mark.parametrize("dtype", [np.float64, np.float32])
    def matches_torch(rng, name, dtype):
        shape, fn, _, torch_fn = cases[name]
        compare_with_torch(fn, torch_fn, random_input(rng, shape), dtype=dtype)

    return forward_matches_numpy, gradients, matches_torch
